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
import { DEFAULT_COMPANION_IMAGE } from './image';
import { IServerEngine, RenderedConfig, ServerContainerParts, ServerMetrics, ServerPorts, ServerTlsPorts, ServerWiring, Upstream } from './engine';

/** Options of the companion server engine (the image built from images/rtmp-server). */
export interface CompanionEngineOptions {
  /**
   * Container image of the companion server: another tag, a private registry's copy, or a locally built image
   * loaded into kind/minikube.
   * @default 'ghcr.io/rtmp-k8s/rtmp-server:<package version>' (published by .github/workflows/image.yml)
   */
  readonly image?: string;
  /**
   * Overrides of the server configuration, applied last: they win over the defaults and over the wiring the
   * construct renders (`mode`, `edge.origins`, `relay.targets`, `cluster.peers`), so set those only on purpose.
   * Ports set here become the container ports and the Services' target ports.
   * @default {} (the defaults of lib/server-config.ts)
   */
  readonly serverConfig?: ServerConfigInput;
  /**
   * How to turn on kicking clients safely: the key of an existing Secret that holds the API's bearer token
   * (`api.token`). The server gets it as `RTMP_SERVER_API_TOKEN`, so it stays out of the ConfigMap, and then
   * answers `DELETE /api/v1/clients/{id}` only with `Authorization: Bearer <token>`. For a web page (another
   * origin) to kick, also list its origin: `serverConfig: { api: { corsOrigins: ['https://ops.example.com'] } }`.
   * @default - no token: kicking stays off (`api.allowKick` is false), web pages may only read the API
   */
  readonly apiTokenSecret?: SecretKeyRef;
}

/** One key of a Kubernetes Secret in the construct's namespace. */
export interface SecretKeyRef {
  /** The Secret's name. */
  readonly name: string;
  /** The key within it. */
  readonly key: string;
}

/** The user and group the image runs as. */
export const COMPANION_UID = 10001;
/** Seconds added to preStop + drain before SIGKILL. */
const TERMINATION_MARGIN_SECONDS = 10;
/** Where the image keeps the player page the seed container copies. */
const PLAYER_DIR = '/app/player';
/** Name used in errors. */
const OWNER = 'CompanionEngine';
/** Where the `tls` prop's Secret is mounted (beside, not inside, the config directory: a directory mount keeps rotation). */
export const COMPANION_TLS_DIR = '/etc/rtmp-server-tls';

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
  public readonly tlsPorts: ServerTlsPorts;
  public readonly recordingDir: string;
  public readonly fsGroup = COMPANION_UID;
  /** Companion edges fetch HLS from the origin into a memory cache and serve it on their HTTP port. */
  public readonly edgesServeHls = true;
  public readonly terminationGracePeriodSeconds: number;
  public readonly podAnnotations: Readonly<Record<string, string>>;
  public readonly metrics: ServerMetrics;
  /** The Secret key of the API token (kicking), if any. */
  public readonly apiTokenSecret?: SecretKeyRef;
  /** The config every role starts from (defaults + overrides, no wiring). */
  private readonly base: ServerConfig;

  public constructor(options: CompanionEngineOptions = {}) {
    this.image = options.image ?? DEFAULT_COMPANION_IMAGE;
    if (!this.image) throw new Error(`${OWNER} 'image' must be a non-empty image reference, got ""`);
    this.serverConfig = options.serverConfig ?? {};
    if (options.apiTokenSecret) {
      const { name, key } = options.apiTokenSecret;
      if (typeof name !== 'string' || name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
        throw new Error(`${OWNER} 'apiTokenSecret.name' must be a Secret name (DNS-1123 subdomain), got ${JSON.stringify(name)}`);
      }
      if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) {
        throw new Error(`${OWNER} 'apiTokenSecret.key' must be a Secret key ([-._a-zA-Z0-9]+), got ${JSON.stringify(key)}`);
      }
      this.apiTokenSecret = { name, key };
    }
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
    this.tlsPorts = {
      rtmps: checkPort(OWNER, 'serverConfig.rtmps.port', this.base.rtmps.port),
      https: checkPort(OWNER, 'serverConfig.https.port', this.base.https.port),
    };
    this.recordingDir = this.base.dvr.dir;
    const { readinessGraceSeconds, drainSeconds } = this.base.lifecycle;
    // preStop waits the readiness grace, then SIGTERM starts the drain; the margin covers process exit.
    this.terminationGracePeriodSeconds = Math.ceil(readinessGraceSeconds + drainSeconds) + TERMINATION_MARGIN_SECONDS;
    this.metrics = { portName: 'api', port: this.ports.api, path: '/metrics', playersMetric: 'rtmp_server_players' };
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
      ...(wiring.integration ? { hooks: wiring.integration.hooks, forward: wiring.integration.forward } : {}),
      ...(wiring.tls ? {
        tls: { certFile: `${COMPANION_TLS_DIR}/tls.crt`, keyFile: `${COMPANION_TLS_DIR}/tls.key` },
        rtmps: { enabled: true },
        https: { enabled: true },
      } : {}),
      ...(wiring.recording ? { dvr: { enabled: true } } : {}),
      ...(wiring.hlsSharedDir ? { hls: { sharedDir: true } } : {}),
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
      ports: [
        ...serverContainerPorts(this.ports),
        ...(parts.tls ? [{ name: 'rtmps', number: this.tlsPorts.rtmps }, { name: 'https', number: this.tlsPorts.https }] : []),
      ],
      volumeMounts: [
        { path: path.posix.dirname(SERVER_CONFIG_PATH), volume: parts.config, readOnly: true },
        { path: this.hlsDir, volume: parts.hls },
        { path: '/tmp', volume: parts.tmp },
        ...(parts.tls ? [{ path: COMPANION_TLS_DIR, volume: parts.tls, readOnly: true }] : []),
        ...(parts.recording ? [{ path: this.recordingDir, volume: parts.recording }] : []),
      ],
      // Ready = the server accepts a new stream (false while draining); alive = the event loop answers.
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: api, ...READINESS_TIMING }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { port: api, ...LIVENESS_TIMING }),
      // preStop flips readiness and waits the grace period over HTTP, so the image needs no shell for it.
      lifecycle: { preStop: kplus.Handler.fromHttpGet('/prestop', { port: api }) },
      resources: toResources(parts.size),
      securityContext: nonRootReadOnly(COMPANION_UID),
      ...(this.apiTokenSecret ? { envVariables: { RTMP_SERVER_API_TOKEN: this.tokenEnv(parts) } } : {}),
    };
  }

  private tokenEnv(parts: ServerContainerParts): kplus.EnvValue {
    if (!parts.scope) throw new Error(`${OWNER} 'apiTokenSecret' needs the container's scope (ServerContainerParts.scope)`);
    const { name, key } = this.apiTokenSecret!;
    const secret = kplus.Secret.fromSecretName(parts.scope, 'ApiTokenSecret', name);
    return kplus.EnvValue.fromSecretValue({ secret, key });
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
