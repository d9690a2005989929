import * as path from 'path';
import { Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  checkServerConfig,
  resolveServerConfig,
  SERVER_CONFIG_PATH,
  ServerConfig,
  ServerConfigInput,
} from '../server-config';
import { checkDistinctPorts, checkPort } from '../parts/checks';
import { ResolvedContainerSize, toResources } from '../parts/resources';
import { LIVENESS_TIMING, READINESS_TIMING, serverContainerPorts } from '../parts/probes';
import { nonRootReadOnly } from '../parts/security';
import { IServerEngine, RenderedConfig, ServerContainerParts, ServerPorts, ServerWiring, Upstream } from './engine';

/** Options of the companion server engine (the image built from images/rtmp-server). */
export interface CompanionEngineOptions {
  /** Container image of the companion server. @default 'rtmp-k8s/rtmp-server:0.1.0' */
  readonly image?: string;
  /**
   * Overrides of the server configuration, applied last: they win over the defaults and over the wiring the
   * construct renders (`mode`, `edge.origins`, `relay.targets`, `cluster.peers`), so set those only on purpose.
   * Ports set here become the container ports and the Services' target ports.
   * @default {} (the defaults of lib/server-config.ts)
   */
  readonly serverConfig?: ServerConfigInput;
}

/** The user and group the image runs as. */
export const COMPANION_UID = 10001;
/** Seconds added to preStop + drain before SIGKILL. */
const TERMINATION_MARGIN_SECONDS = 10;
/** Where the image keeps the player page the seed container copies. */
const PLAYER_DIR = '/app/player';
/** Name used in errors. */
const OWNER = 'CompanionEngine';

/** The companion server: RTMP, HTTP-FLV, HLS and an SRS-compatible API in one Node process. */
export class CompanionEngine implements IServerEngine {
  public readonly engineName = 'companion';
  public readonly containerName = 'rtmp-server';
  /** Image of the server and of the seed init container. */
  public readonly image: string;
  /** The user's overrides, as given. */
  public readonly serverConfig: ServerConfigInput;
  public readonly ports: ServerPorts;
  public readonly hlsDir: string;
  /** Companion edges fetch HLS from the origin into a memory cache and serve it on their HTTP port. */
  public readonly edgesServeHls = true;
  public readonly terminationGracePeriodSeconds: number;
  public readonly podAnnotations: Readonly<Record<string, string>>;
  /** The config every role starts from (defaults + overrides, no wiring). */
  private readonly base: ServerConfig;

  public constructor(options: CompanionEngineOptions = {}) {
    this.image = options.image ?? 'rtmp-k8s/rtmp-server:0.1.0';
    if (!this.image) throw new Error(`${OWNER} 'image' must be a non-empty image reference, got ""`);
    this.serverConfig = options.serverConfig ?? {};
    this.base = resolveServerConfig(this.serverConfig);
    this.ports = {
      rtmp: checkPort(OWNER, 'serverConfig.rtmp.port', this.base.rtmp.port),
      http: checkPort(OWNER, 'serverConfig.http.port', this.base.http.port),
      api: checkPort(OWNER, 'serverConfig.api.port', this.base.api.port),
    };
    checkDistinctPorts(OWNER, [
      ['serverConfig.rtmp.port', this.ports.rtmp],
      ['serverConfig.http.port', this.ports.http],
      ['serverConfig.api.port', this.ports.api],
    ]);
    this.hlsDir = this.base.hls.dir;
    const { readinessGraceSeconds, drainSeconds } = this.base.lifecycle;
    // preStop waits the readiness grace, then SIGTERM starts the drain; the margin covers process exit.
    this.terminationGracePeriodSeconds = Math.ceil(readinessGraceSeconds + drainSeconds) + TERMINATION_MARGIN_SECONDS;
    this.podAnnotations = {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(this.ports.api),
      'prometheus.io/path': '/metrics',
    };
  }

  /** The full config of one role: wiring first, then the user's overrides on top. */
  public configFor(wiring: ServerWiring): ServerConfig {
    // The companion server re-resolves names, so it gets the Service names, not a frozen pod list.
    const dynamic = (up: Upstream | undefined) => [...(up?.dynamic ?? [])];
    const wired = resolveServerConfig({
      mode: wiring.role,
      edge: { origins: dynamic(wiring.origins), ...(wiring.originsHttp ? { originsHttp: dynamic(wiring.originsHttp) } : {}) },
      relay: { targets: dynamic(wiring.relayTargets) },
      cluster: { peers: dynamic(wiring.clusterPeers) },
    }, this.base);
    const config = resolveServerConfig(this.serverConfig, wired);
    const errors = checkServerConfig(config);
    if (errors.length > 0) {
      throw new Error(`${OWNER} 'serverConfig' is not a usable ${wiring.role} config: ${errors.join('; ')}`);
    }
    return config;
  }

  public renderConfig(wiring: ServerWiring): RenderedConfig {
    return {
      fileName: path.posix.basename(SERVER_CONFIG_PATH),
      mountDir: path.posix.dirname(SERVER_CONFIG_PATH),
      content: Yaml.stringify(this.configFor(wiring)),
    };
  }

  public serverContainer(parts: ServerContainerParts): kplus.ContainerProps {
    const api = this.ports.api;
    return {
      name: this.containerName,
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['node', '/app/main.js', '--config', SERVER_CONFIG_PATH],
      ports: serverContainerPorts(this.ports),
      volumeMounts: [
        { path: path.posix.dirname(SERVER_CONFIG_PATH), volume: parts.config, readOnly: true },
        { path: this.hlsDir, volume: parts.hls },
        { path: '/tmp', volume: parts.tmp },
      ],
      // Ready = the server accepts a new stream (false while draining); alive = the event loop answers.
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: api, ...READINESS_TIMING }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { port: api, ...LIVENESS_TIMING }),
      // preStop flips readiness and waits the grace period over HTTP, so the image needs no shell for it.
      lifecycle: { preStop: kplus.Handler.fromHttpGet('/prestop', { port: api }) },
      resources: toResources(parts.size),
      securityContext: nonRootReadOnly(COMPANION_UID),
    };
  }

  public seedContainer(seed: kplus.Volume, size: ResolvedContainerSize): kplus.ContainerProps {
    return {
      name: 'seed-player',
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['cp', '-R', `${PLAYER_DIR}/.`, '/seed/'],
      volumeMounts: [{ path: '/seed', volume: seed }],
      resources: toResources(size),
      securityContext: nonRootReadOnly(COMPANION_UID),
    };
  }
}
