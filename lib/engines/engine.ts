import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ResolvedContainerSize } from '../parts/resources';
import type { PlatformIntegration } from './integration';

/** What one server process does in a topology. */
export type ServerRole = 'origin' | 'edge' | 'relay';

/**
 * A set of upstream servers as `host:port` addresses, in two forms: names that resolve at run time to every
 * server (a Service's namespace-less DNS name; engines that re-resolve use these) and one address per server
 * (StatefulSet pod names under a headless Service; engines that need a static list, like SRS, use these).
 */
export interface Upstream {
  /** Addresses that resolve to all servers, re-resolved by the server. */
  readonly dynamic: readonly string[];
  /** One address per server. */
  readonly members: readonly string[];
}

/** The wiring a construct asks an engine to render into one server's config. */
export interface ServerWiring {
  /** Role of the server. */
  readonly role: ServerRole;
  /** Edge: where to pull from and forward publishes to. @default - none (required for an edge) */
  readonly origins?: Upstream;
  /** Edge: the origins' HTTP listeners, where an edge that serves HLS fetches it. @default - the `origins` hosts on the HTTP port */
  readonly originsHttp?: Upstream;
  /** Relay: every server each published stream is pushed to. @default - none (required for a relay) */
  readonly relayTargets?: Upstream;
  /** Origin cluster: the origins' APIs (an origin's own included) to ask which origin holds a stream; given to origins and edges. @default - no cluster */
  readonly clusterPeers?: Upstream;
  /** Publishes reach this server only through a relay in front of it (RelayCluster's servers). @default false */
  readonly behindRelay?: boolean;
  /** HTTP callbacks and forwarding (the constructs' `hooks` and `forward` props), for this server. @default - none */
  readonly integration?: PlatformIntegration;
  /** Serve RTMPS and HTTPS with the certificate mounted by the `tls` prop (engines with `tlsPorts`). @default false */
  readonly tls?: boolean;
  /** Another container reads the HLS directory (an nginx sidecar): playlists are replaced atomically. @default false */
  readonly hlsSharedDir?: boolean;
  /** Record every published stream to the volume mounted by the `recording` prop (engines with `recordingDir`). @default false */
  readonly recording?: boolean;
}

/** The TLS listeners of an engine that terminates TLS itself. */
export interface ServerTlsPorts {
  /** RTMPS publish and play. */
  readonly rtmps: number;
  /** HTTPS: HTTP-FLV, HLS and the player page. */
  readonly https: number;
}

/** The three listeners every engine has. */
export interface ServerPorts {
  /** RTMP publish and play. */
  readonly rtmp: number;
  /** HTTP-FLV, HLS (and the player page for the companion server). */
  readonly http: number;
  /** HTTP API (also health and metrics for the companion server). */
  readonly api: number;
}

/** A rendered config file: ConfigMap key and content, and where the directory is mounted. */
export interface RenderedConfig {
  /** ConfigMap key = file name inside the mounted directory. */
  readonly fileName: string;
  /** Directory the ConfigMap is mounted at (a directory mount, so ConfigMap updates reach the pod). */
  readonly mountDir: string;
  /** File content. */
  readonly content: string;
}

/** The volumes and sizes a construct hands to the engine to build the server container. */
export interface ServerContainerParts {
  /** The ConfigMap volume (mounted at `RenderedConfig.mountDir`). */
  readonly config: kplus.Volume;
  /** The HLS volume, mounted at `hlsDir` (shared with nginx when there is one). */
  readonly hls: kplus.Volume;
  /** A scratch emptyDir mounted at /tmp. */
  readonly tmp: kplus.Volume;
  /** The `kubernetes.io/tls` Secret volume (`tls.crt`, `tls.key`), with the `tls` prop. @default - no TLS */
  readonly tls?: kplus.Volume;
  /** The recordings volume (a PersistentVolumeClaim), mounted at `recordingDir`, with the `recording` prop. @default - no recording */
  readonly recording?: kplus.Volume;
  /** CPU and memory. */
  readonly size: ResolvedContainerSize;
  /** The construct the container belongs to, for references it makes (a Secret's key in an env variable). @default - none */
  readonly scope?: Construct;
}

/**
 * A media server the constructs can deploy. Two implementations: the companion image (`ServerEngine.companion()`)
 * and SRS (`ServerEngine.srs()`). The constructs own the topology (objects, Services, volumes); the engine
 * owns what is inside the server container: its config format, command, probes, lifecycle and security.
 */
export interface IServerEngine {
  /** Hooks and forwarding every config of this engine carries (`hooks`/`forward` props). @default none */
  readonly integration?: import('./integration').PlatformIntegration;
  /** Short engine name, used in docs and errors. */
  readonly engineName: string;
  /** Container name of the server. */
  readonly containerName: string;
  /** Listener ports (also the container ports). */
  readonly ports: ServerPorts;
  /** Where the server writes HLS (the shared volume's mount path in the server container). */
  readonly hlsDir: string;
  /** RTMPS and HTTPS ports, when the engine terminates TLS itself (what the `tls` prop needs). @default - no TLS listeners */
  readonly tlsPorts?: ServerTlsPorts;
  /** Where the engine writes recordings, when it can record (what the `recording` prop needs). @default - no recording */
  readonly recordingDir?: string;
  /** Group the server runs as: the pod's `fsGroup` when it mounts a claim it must write (recordings). @default - none */
  readonly fsGroup?: number;
  /** Whether its edges serve HLS (fetched from the origin and cached); SRS edges do not, as in the SRS guide. */
  readonly edgesServeHls: boolean;
  /** Seconds a pod gets between the start of termination and SIGKILL (preStop + drain + margin). */
  readonly terminationGracePeriodSeconds: number;
  /**
   * Where Prometheus scrapes the server (a named container port and path) and the gauge autoscaling reads as
   * "players". @default - no metrics (SRS without its exporter)
   */
  readonly metrics?: ServerMetrics;
  /** Pod-template annotations the engine wants (e.g. Prometheus scraping). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** Renders the server's config for a role. Throws when the result is not a usable config. */
  renderConfig(wiring: ServerWiring): RenderedConfig;
  /** The server container. */
  serverContainer(parts: ServerContainerParts): kplus.ContainerProps;
  /** An init container that copies the engine's web files (player page) into `seed`, mounted at a path of its choice. */
  seedContainer(seed: kplus.Volume, size: ResolvedContainerSize): kplus.ContainerProps;
}

/** How Prometheus scrapes an engine's server. */
export interface ServerMetrics {
  /** Name of the container port. */
  readonly portName: string;
  /** Container port number. */
  readonly port: number;
  /** HTTP path. */
  readonly path: string;
  /** Per-pod gauge of viewers that autoscaling divides over the pods. */
  readonly playersMetric: string;
}
