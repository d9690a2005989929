import * as kplus from 'cdk8s-plus-28';
import { checkInteger } from '../parts/checks';
import { ResolvedContainerSize, toResources } from '../parts/resources';
import { LIVENESS_TIMING, READINESS_TIMING, serverContainerPorts } from '../parts/probes';
import { nonRootReadOnly } from '../parts/security';
import { IServerEngine, RenderedConfig, ServerContainerParts, ServerMetrics, ServerPorts, ServerWiring } from './engine';
import { block, leaf, renderSrsConf, SrsDirective } from './srs-conf';
import { srsForwardDestinations, srsIntegration } from './srs-integration';

/** Options of the SRS engine. */
export interface SrsEngineOptions {
  /** Image repository. @default 'ossrs/srs' */
  readonly repository?: string;
  /**
   * Image tag. The guide uses `3`; the default is the SRS 5 stable line: it understands every directive rendered
   * here (graceful quit needs SRS >= 4) and, unlike SRS 6, its edges fail over across all configured origins
   * instead of always trying the first one first (ossrs/srs#4511).
   * @default '5'
   */
  readonly tag?: string;
  /** `max_connections` of every SRS server. @default 1000 (as in the guide) */
  readonly maxConnections?: number;
  /** Seconds the preStop hook sleeps so endpoints drop the pod before SRS gets SIGTERM. @default 5 */
  readonly preStopSeconds?: number;
  /**
   * Turn on SRS's Prometheus exporter (`SRS_EXPORTER_ENABLED=on`, port 9972, SRS >= 5): the `monitoring` prop
   * scrapes it. Its metrics differ from the companion server's (see README "Operate it").
   * @default false
   */
  readonly exporter?: boolean;
}

/** SRS's exporter port (its default `exporter.listen`). */
export const SRS_EXPORTER_PORT = 9972;

const OWNER = 'SrsEngine';
/** SRS's working directory in the image; the guide's paths are relative to it. */
const SRS_HOME = '/usr/local/srs';
/** SRS runs as this non-root user (the image's files are world-readable; it writes only to its volumes). */
const SRS_UID = 1000;
/** SRS graceful quit: stop accepting after `grace_start_wait`, exit after `grace_final_wait` (milliseconds, the guide's values). */
const GRACE_START_MS = 700;
const GRACE_FINAL_MS = 800;
const TERMINATION_MARGIN_SECONDS = 10;

/** SRS (`ossrs/srs`), configured the way the SRS K8s guide does, through `srs.conf` in a ConfigMap. */
export class SrsEngine implements IServerEngine {
  public readonly engineName = 'srs';
  public readonly containerName = 'srs';
  /** Full image reference. */
  public readonly image: string;
  public readonly maxConnections: number;
  public readonly preStopSeconds: number;
  public readonly ports: ServerPorts = { rtmp: 1935, http: 8080, api: 1985 };
  public readonly hlsDir = `${SRS_HOME}/objs/nginx/html`;
  /** SRS edges do no HLS (SRS docs: put HTTP caches in front of the origin), so HLS comes from the origin's nginx. */
  public readonly edgesServeHls = false;
  public readonly terminationGracePeriodSeconds: number;
  public readonly podAnnotations: Readonly<Record<string, string>> = {};
  public readonly exporter: boolean;
  public readonly metrics?: ServerMetrics;

  public constructor(options: SrsEngineOptions = {}) {
    const tag = options.tag ?? '5';
    const repository = options.repository ?? 'ossrs/srs';
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new Error(`${OWNER} 'tag' must be a Docker image tag, got ${JSON.stringify(tag)}`);
    if (!repository) throw new Error(`${OWNER} 'repository' must be a non-empty image repository, got ""`);
    this.image = `${repository}:${tag}`;
    this.maxConnections = checkInteger(OWNER, 'maxConnections', options.maxConnections ?? 1000, 1);
    this.preStopSeconds = checkInteger(OWNER, 'preStopSeconds', options.preStopSeconds ?? 5, 0);
    this.exporter = options.exporter ?? false;
    if (typeof this.exporter !== 'boolean') throw new Error(`${OWNER} 'exporter' must be true or false, got ${JSON.stringify(options.exporter)}`);
    // srs_clients counts every connection (publishers too): the nearest SRS has to a players gauge.
    if (this.exporter) this.metrics = { portName: 'exporter', port: SRS_EXPORTER_PORT, path: '/metrics', playersMetric: 'srs_clients' };
    this.terminationGracePeriodSeconds =
      this.preStopSeconds + Math.ceil((GRACE_START_MS + GRACE_FINAL_MS) / 1000) + TERMINATION_MARGIN_SECONDS;
  }

  /** The directives of one role's srs.conf. */
  public directivesFor(wiring: ServerWiring): SrsDirective[] {
    const vhost: SrsDirective[] = [];
    if (wiring.role === 'edge') {
      if (!wiring.origins || wiring.origins.members.length === 0) {
        throw new Error(`${OWNER}: an edge needs at least one origin`);
      }
      vhost.push(block('cluster', [], [leaf('mode', 'remote'), leaf('origin', ...wiring.origins.members.map(withoutDefaultPort))]));
    }
    if (wiring.role === 'origin') {
      if (wiring.clusterPeers) {
        vhost.push(block('cluster', [], [
          leaf('origin_cluster', 'on'),
          leaf('coworkers', ...wiring.clusterPeers.members),
        ]));
      }
      vhost.push(block('hls', [], [
        leaf('enabled', 'on'),
        leaf('hls_path', './objs/nginx/html'),
        leaf('hls_fragment', 2),
        leaf('hls_window', 10),
        leaf('hls_dispose', 30),
      ]));
    }
    if (wiring.role === 'relay') {
      if (!wiring.relayTargets || wiring.relayTargets.members.length === 0) {
        throw new Error(`${OWNER}: a relay needs at least one target`);
      }
      vhost.push(block('forward', [], [
        leaf('enabled', 'on'),
        leaf('destination', ...wiring.relayTargets.members, ...srsForwardDestinations(wiring.integration)),
      ]));
    }
    vhost.push(block('http_remux', [], [leaf('enabled', 'on'), leaf('mount', '[vhost]/[app]/[stream].flv')]));
    if (wiring.integration) vhost.push(...srsIntegration(wiring.integration, wiring.role === 'relay'));
    return [
      leaf('listen', this.ports.rtmp),
      leaf('max_connections', this.maxConnections),
      leaf('daemon', 'off'),
      leaf('srs_log_tank', 'console'),
      // The root filesystem is read-only: the pid file goes to the /tmp emptyDir.
      leaf('pid', '/tmp/srs.pid'),
      leaf('grace_start_wait', GRACE_START_MS),
      leaf('grace_final_wait', GRACE_FINAL_MS),
      leaf('force_grace_quit', 'on'),
      block('http_api', [], [leaf('enabled', 'on'), leaf('listen', this.ports.api)]),
      block('http_server', [], [leaf('enabled', 'on'), leaf('listen', this.ports.http), leaf('dir', './objs/nginx/html')]),
      block('vhost', ['__defaultVhost__'], vhost),
    ];
  }

  public renderConfig(wiring: ServerWiring): RenderedConfig {
    return { fileName: 'srs.conf', mountDir: `${SRS_HOME}/conf`, content: renderSrsConf(this.directivesFor(wiring)) };
  }

  public serverContainer(parts: ServerContainerParts): kplus.ContainerProps {
    const exporterPort: kplus.ContainerPort[] = this.exporter ? [{ name: 'exporter', number: SRS_EXPORTER_PORT }] : [];
    return {
      ...(this.exporter ? {
        envVariables: {
          SRS_EXPORTER_ENABLED: kplus.EnvValue.fromValue('on'),
          SRS_EXPORTER_LISTEN: kplus.EnvValue.fromValue(String(SRS_EXPORTER_PORT)),
        },
      } : {}),
      name: this.containerName,
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      workingDir: SRS_HOME,
      // The ConfigMap replaces conf/, so the image's default `-c conf/docker.conf` would not exist.
      command: ['./objs/srs', '-c', 'conf/srs.conf'],
      ports: [...serverContainerPorts(this.ports), ...exporterPort],
      volumeMounts: [
        { path: `${SRS_HOME}/conf`, volume: parts.config, readOnly: true },
        { path: this.hlsDir, volume: parts.hls, readOnly: false },
        { path: '/tmp', volume: parts.tmp },
      ],
      // SRS has no readiness endpoint: ready = the RTMP listener accepts; alive = the API answers.
      readiness: kplus.Probe.fromTcpSocket({ port: this.ports.rtmp, ...READINESS_TIMING }),
      liveness: kplus.Probe.fromHttpGet('/api/v1/versions', { port: this.ports.api, ...LIVENESS_TIMING }),
      lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(this.preStopSeconds)]) },
      resources: toResources(parts.size),
      securityContext: nonRootReadOnly(SRS_UID),
    };
  }

  public seedContainer(seed: kplus.Volume, size: ResolvedContainerSize): kplus.ContainerProps {
    // The guide's srs-cp-files sidecar, as an init container: copy SRS's html files, then exit.
    return {
      name: 'srs-cp-files',
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      workingDir: SRS_HOME,
      command: ['/bin/sh'],
      args: ['-c', 'cp -R ./objs/nginx/html/. /tmp/html/'],
      volumeMounts: [{ path: '/tmp/html', volume: seed, readOnly: false }],
      resources: toResources(size),
      securityContext: nonRootReadOnly(SRS_UID),
    };
  }
}

/** SRS's `origin` takes `host[:port]`; the guide leaves the default RTMP port out. */
function withoutDefaultPort(address: string): string {
  return address.endsWith(':1935') ? address.slice(0, -':1935'.length) : address;
}
