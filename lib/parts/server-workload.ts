import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, ServerWiring } from '../engines/engine';
import { Track, TRACK_LABEL } from './canary';
import { CONFIG_HASH_ANNOTATION, configHash, NGINX_CONFIG_HASH_ANNOTATION } from './config-hash';
import { NGINX_DEFAULT_CONF, nginxContainer } from './nginx';
import { recordingVolume, ResolvedRecording } from './recording';
import { ResolvedTls, tlsVolume } from './tls';
import { ResolvedContainerSize } from './resources';

/** nginx sidecar settings of a server pod. */
export interface NginxSidecarOptions {
  /** Name of the nginx ConfigMap. */
  readonly configMapName: string;
  /** nginx image. */
  readonly image: string;
  /** nginx CPU and memory. */
  readonly size: ResolvedContainerSize;
  /** Seed init container CPU and memory. */
  readonly seedSize: ResolvedContainerSize;
}

/** Everything a server workload (origin, edge pool, relay, relay servers) is built from. */
export interface ServerWorkloadOptions {
  /** The server engine. */
  readonly engine: IServerEngine;
  /** The role and its upstreams, rendered into the config. */
  readonly wiring: ServerWiring;
  /** Workload object name. */
  readonly name: string;
  /** ConfigMap name. */
  readonly configMapName: string;
  /** Value of the `app` label the pods carry and Services select. */
  readonly app: string;
  /** Pod count. */
  readonly replicas: number;
  /** Server container CPU and memory. */
  readonly size: ResolvedContainerSize;
  /** nginx serving the HLS volume, with the player page seeded into it. @default - no nginx */
  readonly nginx?: NginxSidecarOptions;
  /** Run as a StatefulSet governed by this (headless) Service. @default - a Deployment */
  readonly headlessService?: kplus.Service;
  /** Gray-release track: labels the pods and joins the workload's selector (Services still select `app` only). @default - no track label */
  readonly track?: Track;
  /** Serve RTMPS and HTTPS with this Secret's certificate (the `tls` prop). @default - no TLS listeners */
  readonly tls?: ResolvedTls;
  /** Record every published stream to a claim of this shape (the `recording` prop). @default - no recording */
  readonly recording?: ResolvedRecording;
}

/**
 * One server workload: its ConfigMap (hash annotated on the pod template), the server container with its
 * writable volumes, optionally nginx sharing the HLS volume, rolling updates that never drop below the
 * desired count, and a termination grace period derived from the engine's drain.
 */
export class ServerWorkload extends Construct {
  /** The Deployment or StatefulSet. */
  public readonly workload: kplus.Deployment | kplus.StatefulSet;
  /** The server's config. */
  public readonly configMap: kplus.ConfigMap;
  /** sha256 of the config, also the pod-template annotation `rtmp-k8s.io/config-sha256`. */
  public readonly configHash: string;
  /** The emptyDir the server writes HLS into (shared with nginx when there is one). */
  public readonly cacheVolume: kplus.Volume;
  /** The server container. */
  public readonly server: kplus.Container;
  /** The nginx container, when there is one. */
  public readonly nginx?: kplus.Container;
  /** nginx's ConfigMap (default.conf), when there is nginx. */
  public readonly nginxConfigMap?: kplus.ConfigMap;
  /** The recordings claim, with the `recording` prop. */
  public readonly recordingClaim?: kplus.PersistentVolumeClaim;

  public constructor(scope: Construct, id: string, options: ServerWorkloadOptions) {
    super(scope, id);
    const { engine } = options;
    const selector = { app: options.app, ...(options.track ? { [TRACK_LABEL]: options.track } : {}) };
    const config = engine.renderConfig({ ...options.wiring, tls: options.tls !== undefined, recording: options.recording !== undefined });
    this.configHash = configHash(config.content);
    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: options.configMapName, labels: { app: options.app } },
      data: { [config.fileName]: config.content },
    });
    const configVolume = kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'config-volume' });
    this.cacheVolume = kplus.Volume.fromEmptyDir(this, 'CacheVolume', 'cache-volume');
    const tmpVolume = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp-volume');

    const podProps: kplus.WorkloadProps & { readonly replicas: number } = {
      metadata: { name: options.name, labels: { app: options.app } },
      podMetadata: {
        labels: { ...selector, 'app.kubernetes.io/component': options.wiring.role },
        annotations: { ...engine.podAnnotations, [CONFIG_HASH_ANNOTATION]: this.configHash },
      },
      replicas: options.replicas,
      select: false,
      automountServiceAccountToken: false,
      terminationGracePeriod: Duration.seconds(engine.terminationGracePeriodSeconds),
      // The official nginx image needs a root master; everything else sets non-root per container.
      securityContext: {
        ensureNonRoot: !options.nginx,
        // A new claim's root directory belongs to root: fsGroup makes it writable to the non-root server. Only on
        // a mismatch of the root, so a claim full of recordings is not re-chowned file by file at every start.
        ...(options.recording ? { fsGroup: engine.fsGroup, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH } : {}),
      },
    };
    this.workload = options.headlessService
      ? new kplus.StatefulSet(this, 'Resource', {
        ...podProps,
        service: options.headlessService,
        podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
        strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: 0 }),
      })
      : new kplus.Deployment(this, 'Resource', {
        ...podProps,
        // Zero-downtime rollouts: a new pod must be ready before an old one is stopped.
        strategy: kplus.DeploymentStrategy.rollingUpdate({
          maxSurge: kplus.PercentOrAbsolute.absolute(1),
          maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
        }),
      });
    this.workload.select(kplus.LabelSelector.of({ labels: selector }));
    // No Service-link variables: a Service named e.g. `rtmp-server-api` would inject RTMP_SERVER_API_PORT=tcp://...,
    // which collides with the companion server's RTMP_SERVER_<SECTION>_<FIELD> overrides (and SRS's SRS_* ones).
    ApiObject.of(this.workload).addJsonPatch(JsonPatch.add('/spec/template/spec/enableServiceLinks', false));
    if (options.headlessService) {
      // cdk8s-plus makes the governing Service select the StatefulSet's address label; select by `app` only.
      ApiObject.of(options.headlessService).addJsonPatch(JsonPatch.add('/spec/selector', { app: options.app }));
    }

    const recording = options.recording ? recordingVolume(this, options.name, options.app, options.recording) : undefined;
    this.recordingClaim = recording?.claim;
    this.server = this.workload.addContainer(engine.serverContainer({
      config: configVolume, hls: this.cacheVolume, tmp: tmpVolume, size: options.size, scope: this,
      tls: options.tls ? tlsVolume(this, options.tls) : undefined,
      recording: recording?.volume,
    }));
    if (options.nginx) {
      this.nginxConfigMap = new kplus.ConfigMap(this, 'NginxConfig', {
        metadata: { name: options.nginx.configMapName, labels: { app: options.app } },
        data: { 'default.conf': NGINX_DEFAULT_CONF },
      });
      this.workload.podMetadata.addAnnotation(NGINX_CONFIG_HASH_ANNOTATION, configHash(NGINX_DEFAULT_CONF));
      this.workload.addInitContainer(engine.seedContainer(this.cacheVolume, options.nginx.seedSize));
      this.nginx = this.workload.addContainer(nginxContainer({
        html: this.cacheVolume,
        config: kplus.Volume.fromConfigMap(this, 'NginxConfigVolume', this.nginxConfigMap, { name: 'nginx-config' }),
        cache: kplus.Volume.fromEmptyDir(this, 'NginxCache', 'nginx-cache'),
        run: kplus.Volume.fromEmptyDir(this, 'NginxRun', 'nginx-run'),
        image: options.nginx.image,
        size: options.nginx.size,
      }));
    }
  }
}
