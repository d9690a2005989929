import { IServerEngine } from '../engines/engine';
import { ServerEngine } from '../engines';
import { ForwardProps, HooksProps, resolveIntegration, withIntegration } from '../engines/integration';
import { checkDistinctPorts, checkName } from './checks';
import { DEFAULT_NGINX_IMAGE, NGINX_PORT } from './nginx';
import { ContainerSize, NGINX_SIZE, ResolvedContainerSize, resolveSize, SEED_SIZE, SERVER_SIZE } from './resources';
import { LoadBalancerProps } from './services';
import { OperationsProps } from './ops/operations';
import { NginxSidecarOptions } from './server-workload';
import { RecordingProps } from './recording';
import { TlsProps } from './tls';

/** Props every construct takes. */
export interface ServerConstructProps extends LoadBalancerProps, OperationsProps {
  /**
   * Prefix of every object name (each construct documents the names it derives; `names` overrides any of them).
   * With `'srs'` the constructs reproduce the SRS K8s guide's names.
   * @default 'rtmp'
   */
  readonly name?: string;
  /** The media server deployed. @default ServerEngine.companion() */
  readonly engine?: IServerEngine;
  /**
   * CPU and memory of every server container.
   * @default { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 }
   */
  readonly resources?: ContainerSize;
  /**
   * HTTP callbacks to your platform's backend, SRS `http_hooks` compatible (docs/server-hooks.md): URL lists per
   * event (`onConnect`, `onPublish`, `onUnpublish`, `onPlay`, `onStop`, `onHls`, `onDvr`) and `timeoutMs`, `failOpen`,
   * `retries`, `backoffMs`. The companion server gets them as its `hooks` settings, SRS as an `http_hooks` block.
   * Players' hooks fire where the players are (edges included); publishing hooks where publishes are admitted
   * (the origin, or the relay in a RelayCluster).
   * @default - no callbacks
   */
  readonly hooks?: HooksProps;
  /**
   * Forwarding (restreaming): `destinations`, URL templates `rtmp[s]://host[:port]/app/stream[?query]` with `[app]`,
   * `[stream]` and `[param]`, each getting every stream published (on the origins, or on the relay). With SRS only
   * `rtmp://host[:port]/[app]/[stream]` can be rendered (SRS `forward destination`).
   * @default - no forwarding
   */
  readonly forward?: ForwardProps;
  /**
   * Serve RTMPS (1443) and HTTPS (8088) with the certificate of a `kubernetes.io/tls` Secret, on the pods and
   * public Services that publishers and players reach. Renewed certificates are picked up without a restart.
   * @default - no TLS listeners
   */
  readonly tls?: TlsProps;
  /**
   * Record every published stream (FLV, or MP4 with `serverConfig.dvr.format`) to a PersistentVolumeClaim
   * mounted at the server's `dvr.dir`, on the pods where streams are published (the origins; the relay).
   * @default - no recording
   */
  readonly recording?: RecordingProps;
}

/** Props of constructs whose origin has the nginx sidecar. */
export interface NginxProps {
  /** Image of the nginx container that serves HLS and the player page from the shared volume. @default 'nginx:1.27-alpine' */
  readonly nginxImage?: string;
  /**
   * CPU and memory of the nginx container.
   * @default { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 32, memoryLimitMebibytes: 128 }
   */
  readonly nginxResources?: ContainerSize;
}

/** The resolved common props. */
export interface ResolvedCommon {
  /** Name prefix. */
  readonly name: string;
  /** Server engine. */
  readonly engine: IServerEngine;
  /** Server container size. */
  readonly size: ResolvedContainerSize;
}

/** Resolves and checks the common props. */
export function resolveCommon(owner: string, props: ServerConstructProps): ResolvedCommon {
  return {
    name: checkName(owner, 'name', props.name ?? 'rtmp'),
    // Hooks and forwarding ride on the engine, so every config it renders for this construct carries them.
    engine: withIntegration(props.engine ?? ServerEngine.companion(), resolveIntegration(owner, props.hooks, props.forward)),
    size: resolveSize(owner, 'resources', props.resources, SERVER_SIZE),
  };
}

/** Resolves and checks the nginx props; nginx shares the pod's network with the server, so their ports must differ. */
export function resolveNginx(owner: string, props: NginxProps, engine: IServerEngine, configMapName: string): NginxSidecarOptions {
  checkDistinctPorts(owner, [
    ['engine rtmp port', engine.ports.rtmp],
    ['engine http port', engine.ports.http],
    ['engine api port', engine.ports.api],
    ['nginx port', NGINX_PORT],
  ]);
  const image = props.nginxImage ?? DEFAULT_NGINX_IMAGE;
  if (!image) throw new Error(`${owner} 'nginxImage' must be a non-empty image reference, got ""`);
  return { configMapName, image, size: resolveSize(owner, 'nginxResources', props.nginxResources, NGINX_SIZE), seedSize: SEED_SIZE };
}

/** Fills a construct's names from their defaults and checks each (errors name `names.<key>`). */
export function resolveNames<T extends object>(owner: string, given: Partial<T> | undefined, defaults: T): T {
  const out = { ...defaults, ...(given ?? {}) } as Record<string, string>;
  for (const [key, value] of Object.entries(out)) checkName(owner, `names.${key}`, value);
  return out as T;
}
