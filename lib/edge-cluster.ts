import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, Upstream } from './engines/engine';
import { CanaryProps, resolveCanary } from './parts/canary';
import { checkHostPorts, checkInteger } from './parts/checks';
import { NginxProps, resolveCommon, resolveNames, resolveNginx, ServerConstructProps } from './parts/common-props';
import { defaultEdgeNames, EdgeNames, EdgePool } from './parts/edge-pool';
import { NGINX_PORT } from './parts/nginx';
import { ServerWorkload } from './parts/server-workload';
import { checkPublicPorts, createService, PortSpec, servicePort } from './parts/services';
import { Operations } from './parts/ops/operations';
import { OpsHttpBackend, OpsWorkload, servicePortFor } from './parts/ops/topology';
import { resolveRecording } from './parts/recording';
import { resolveTls, tlsServicePorts } from './parts/tls';

/** Object names of an EdgeCluster (defaults reproduce the guide with `name: 'srs'`). */
export interface EdgeClusterNames extends EdgeNames {
  /** Origin Deployment (server + nginx). @default '<name>-origin-deploy' */
  readonly originDeployment: string;
  /** Origin ConfigMap. @default '<name>-origin-config' */
  readonly originConfigMap: string;
  /** ClusterIP Service the edges reach the origin through (RTMP, and HTTP for HLS). @default '<name>-origin-service' */
  readonly originService: string;
  /** Public LoadBalancer for HLS from the origin's nginx, with `originHttpService`. @default '<name>-http-service' */
  readonly httpService: string;
  /** `app` label of the origin pods. @default '<name>-origin' */
  readonly originApp: string;
  /** Origin's nginx ConfigMap (default.conf: caching and CORS headers for HLS). @default '<name>-origin-nginx-config' */
  readonly originNginxConfigMap: string;
}

/** Public ports of an EdgeCluster. */
export interface EdgeClusterPorts {
  /** HLS on the origin's HTTP Service (its nginx), with `originHttpService`. @default 80 */
  readonly hls?: number;
  /** API on the HTTP Service, only with `exposeApi`. @default the engine's API port (1985) */
  readonly api?: number;
  /** RTMP on the edge Service. @default the engine's RTMP port (1935) */
  readonly rtmp?: number;
  /** HTTP-FLV, HLS (companion edges) and the player page on the edge Service. @default the engine's HTTP port (8080) */
  readonly http?: number;
}

/** Props of {@link EdgeCluster}. */
export interface EdgeClusterProps extends ServerConstructProps, NginxProps {
  /** Object names. @default - derived from `name` (see EdgeClusterNames) */
  readonly names?: Partial<EdgeClusterNames>;
  /** Public ports. @default - nginx 80 and the engine's ports */
  readonly ports?: EdgeClusterPorts;
  /** Edge server count. @default 3 */
  readonly edgeReplicas?: number;
  /** Create the origin (with nginx) in this construct. @default true */
  readonly createOrigin?: boolean;
  /**
   * Origins outside this construct, as `host:port` (RTMP), when `createOrigin` is false.
   * @default []
   */
  readonly externalOrigins?: string[];
  /** Create a PodDisruptionBudget (at most one edge down at a time for voluntary disruptions). @default true */
  readonly pdb?: boolean;
  /**
   * Gray release of the edges: a second edge Deployment (`<edgeDeployment>-canary`, pods labelled `track: canary`)
   * with its own engine, config and replica count behind the same edge Service. Promote by moving its settings
   * to the main props and dropping `canary`; roll back by dropping `canary`.
   * @default - no canary
   */
  readonly canary?: CanaryProps;
  /**
   * A public LoadBalancer over the origin's nginx for HLS (`http://HTTP_LB/live/livestream.m3u8`), with nginx in the
   * origin pod. Companion edges serve HLS themselves from a memory cache (one origin request per segment per edge),
   * so HLS scales with the edges on `http://EDGE_LB:8080/live/livestream.m3u8`; SRS edges do no HLS, so SRS needs it.
   * @default - false for the companion engine, true for engines whose edges do no HLS (SRS)
   */
  readonly originHttpService?: boolean;
}

/**
 * The guide's "SRS Edge Cluster for High Concurrency Streaming": an origin behind a ClusterIP Service (RTMP and
 * HTTP), and a Deployment of edges (3 by default) whose config points at the origin Service's DNS name, behind
 * their own LoadBalancer on RTMP 1935 and HTTP 8080. An edge pulls each stream from the origin once however many
 * players it has, and forwards publishes to it; companion edges also serve HLS, fetching each playlist and segment
 * from the origin once into a memory cache. With `originHttpService` (the default for SRS, whose edges do no HLS)
 * the origin also runs nginx (as OriginWithNginx) behind an HTTP LoadBalancer for HLS, as in the guide.
 */
export class EdgeCluster extends Construct {
  public readonly name: string;
  public readonly engine: IServerEngine;
  public readonly names: EdgeClusterNames;
  public readonly exposeApi: boolean;
  public readonly edgeReplicas: number;
  public readonly createOrigin: boolean;
  public readonly externalOrigins: string[];
  /** Whether the origin's nginx has a public HLS LoadBalancer (`httpService`). */
  public readonly originHttpService: boolean;
  /** What the edges pull from (the origin Service, or the external origins). */
  public readonly upstream: Upstream;
  /** The origin (Deployment, ConfigMap, server and nginx), when created. */
  public readonly origin?: ServerWorkload;
  /** The origin's ClusterIP Service, when the origin is created. */
  public readonly originService?: kplus.Service;
  /** The HLS LoadBalancer over the origin's nginx, with `originHttpService`. */
  public readonly httpService?: kplus.Service;
  /** The edges (ConfigMap, Deployment, Service, PDB). */
  public readonly edges: EdgePool;
  /** The edge Deployment. */
  public readonly edgeDeployment: kplus.Deployment;
  /** The edge LoadBalancer. */
  public readonly edgeService: kplus.Service;
  /** The edge PodDisruptionBudget, unless `pdb` is false. */
  public readonly edgePdb?: k8s.KubePodDisruptionBudget;
  /** The canary edge Deployment, when `canary` is set. */
  public readonly edgeCanaryDeployment?: kplus.Deployment;
  /** Monitoring, autoscaling (edges), network policy and HTTPS entry objects (the operations pack props). */
  public readonly operations: Operations;
  /** The origin's recordings claim, with the `recording` prop. */
  public readonly recordingClaim?: kplus.PersistentVolumeClaim;

  public constructor(scope: Construct, id: string, props: EdgeClusterProps = {}) {
    super(scope, id);
    const owner = 'EdgeCluster';
    const common = resolveCommon(owner, props);
    this.name = common.name;
    this.engine = common.engine;
    this.exposeApi = props.exposeApi ?? false;
    this.edgeReplicas = checkInteger(owner, 'edgeReplicas', props.edgeReplicas ?? 3, 1);
    this.createOrigin = props.createOrigin ?? true;
    this.externalOrigins = checkHostPorts(owner, 'externalOrigins', props.externalOrigins ?? []);
    if (!this.createOrigin && this.externalOrigins.length === 0) {
      throw new Error(`${owner} has no origin: 'createOrigin' is false and 'externalOrigins' is empty; set 'createOrigin' to true or give 'externalOrigins' as host:port`);
    }
    if (this.createOrigin && this.externalOrigins.length > 0) {
      throw new Error(`${owner} 'externalOrigins' (${JSON.stringify(this.externalOrigins)}) needs 'createOrigin' false: edges pull from one set of origins`);
    }
    const n = this.name;
    this.names = resolveNames<EdgeClusterNames>(owner, props.names, {
      originDeployment: `${n}-origin-deploy`,
      originConfigMap: `${n}-origin-config`,
      originService: `${n}-origin-service`,
      httpService: `${n}-http-service`,
      originApp: `${n}-origin`,
      originNginxConfigMap: `${n}-origin-nginx-config`,
      ...defaultEdgeNames(n),
    });
    this.originHttpService = props.originHttpService ?? !this.engine.edgesServeHls;
    if (this.originHttpService && !this.createOrigin) {
      throw new Error(`${owner} 'originHttpService' needs 'createOrigin' true: it is a LoadBalancer over the origin this construct creates`);
    }
    if (!this.originHttpService && !this.engine.edgesServeHls && props.originHttpService === false) {
      throw new Error(`${owner} 'originHttpService' is false, but ${this.engine.engineName} edges do no HLS: set it to true (or unset) so HLS viewers have a way in`);
    }
    const forHttpService: [string, unknown][] = [
      ['nginxImage', props.nginxImage], ['nginxResources', props.nginxResources], ['exposeApi', props.exposeApi || undefined],
      ['ports.hls', props.ports?.hls], ['ports.api', props.ports?.api],
    ];
    const given = forHttpService.filter(([, v]) => v !== undefined).map(([k]) => `'${k}'`);
    if (!this.originHttpService && given.length > 0) {
      throw new Error(`${owner} ${given.join(', ')} need 'originHttpService' true: they configure the origin's nginx and its HTTP LoadBalancer`);
    }
    const nginx = this.originHttpService ? resolveNginx(owner, props, this.engine, this.names.originNginxConfigMap) : undefined;
    const p = this.engine.ports;
    // Publishers and players reach the edges, so they terminate TLS; streams are recorded where they are published: the origin.
    const tls = resolveTls(owner, props.tls, this.engine);
    if (props.recording && !this.createOrigin) {
      throw new Error(`${owner} 'recording' needs 'createOrigin' true, got false: streams are recorded on the origin, and external origins are not part of this construct`);
    }
    const recording = resolveRecording(owner, props.recording, this.engine, 1);
    const httpPorts: PortSpec[] = [
      servicePort('hls', NGINX_PORT, props.ports?.hls),
      ...(this.exposeApi ? [servicePort('api', p.api, props.ports?.api)] : []),
    ];
    const edgePorts: PortSpec[] = [
      servicePort('rtmp', p.rtmp, props.ports?.rtmp),
      servicePort('http', p.http, props.ports?.http),
      ...tlsServicePorts(tls),
    ];
    checkPublicPorts(owner, [
      ...(this.originHttpService ? [{ prop: 'ports', ports: httpPorts }] : []),
      { prop: 'ports', ports: edgePorts },
    ], props.sharedLoadBalancer !== undefined);

    if (this.createOrigin) {
      this.origin = new ServerWorkload(this, 'Origin', {
        engine: this.engine,
        wiring: { role: 'origin' },
        name: this.names.originDeployment,
        configMapName: this.names.originConfigMap,
        app: this.names.originApp,
        replicas: 1,
        size: common.size,
        nginx,
        recording,
      });
      this.recordingClaim = this.origin.recordingClaim;
      // HTTP too: companion edges fetch HLS from the origin through this Service.
      this.originService = createService(this, 'OriginService', {
        name: this.names.originService,
        app: this.names.originApp,
        ports: [servicePort('rtmp', p.rtmp), ...(this.engine.edgesServeHls ? [servicePort('http', p.http)] : [])],
        kind: 'internal',
      });
      if (this.originHttpService) {
        this.httpService = createService(this, 'HttpService', {
          name: this.names.httpService,
          app: this.names.originApp,
          ports: httpPorts,
          kind: 'public',
        }, props);
      }
    }
    const originAddress = `${this.names.originService}:${p.rtmp}`;
    this.upstream = this.createOrigin
      ? { dynamic: [originAddress], members: [originAddress] }
      : { dynamic: this.externalOrigins, members: this.externalOrigins };
    const originHttp = `${this.names.originService}:${p.http}`;
    const originsHttp = this.createOrigin && this.engine.edgesServeHls ? { dynamic: [originHttp], members: [originHttp] } : undefined;

    this.edges = new EdgePool(this, 'Edges', {
      engine: this.engine,
      origins: this.upstream,
      originsHttp,
      names: this.names,
      replicas: this.edgeReplicas,
      size: common.size,
      ports: edgePorts,
      loadBalancer: props,
      pdb: props.pdb ?? true,
      canary: resolveCanary(owner, props.canary, common),
      owner,
      tls,
    });
    this.edgeDeployment = this.edges.deployment;
    this.edgeCanaryDeployment = this.edges.canary?.workload as kplus.Deployment | undefined;
    this.edgeService = this.edges.service;
    this.edgePdb = this.edges.pdb;

    const edgeWorkload: OpsWorkload = {
      app: this.names.edgeApp, role: 'edge', publicPorts: edgePorts.map((q) => q.targetPort), peerIngress: [],
      // RTMP pulls, and HLS fetched for the edge cache when the edges serve HLS.
      peerEgress: this.createOrigin ? [{ to: [this.names.originApp], ports: originsHttp ? [p.rtmp, p.http] : [p.rtmp] }] : [],
      externalEgressPorts: this.externalOrigins.map((o) => Number(o.slice(o.lastIndexOf(':') + 1))),
    };
    const originWorkload: OpsWorkload[] = this.createOrigin ? [{
      app: this.names.originApp, role: 'origin', publicPorts: httpPorts.map((q) => q.targetPort),
      peerIngress: [{ from: [this.names.edgeApp], ports: originsHttp ? [p.rtmp, p.http] : [p.rtmp] }], peerEgress: [],
    }] : [];
    const backends: OpsHttpBackend[] = [{ service: this.edgeService, port: servicePortFor(edgePorts, p.http), host: 'main' }];
    if (this.httpService) backends.push({ service: this.httpService, port: servicePortFor(httpPorts, NGINX_PORT), host: 'hls' });
    this.operations = new Operations(this, 'Operations', {
      owner, name: this.name, engine: this.engine, cpuRequestMillis: common.size.cpuRequestMillis,
      workloads: [...originWorkload, edgeWorkload],
      httpBackends: backends,
      scalable: { workload: this.edgeDeployment, app: this.names.edgeApp, description: 'the edges' },
    }, props);
  }
}
