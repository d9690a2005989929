import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, Upstream } from './engines/engine';
import { CanaryProps, resolveCanary } from './parts/canary';
import { checkInteger } from './parts/checks';
import { resolveCommon, resolveNames, ServerConstructProps } from './parts/common-props';
import { defaultEdgeNames, EdgeNames, EdgePool } from './parts/edge-pool';
import { ServerSet, serverSetUpstream } from './parts/server-set';
import { checkPublicPorts, PortSpec, servicePort } from './parts/services';
import { Operations } from './parts/ops/operations';
import { servicePortFor } from './parts/ops/topology';
import { resolveRecording } from './parts/recording';
import { resolveTls, tlsServicePorts } from './parts/tls';

/** Object names of an OriginCluster. */
export interface OriginClusterNames extends EdgeNames {
  /** Origin StatefulSet (pods `<originStatefulSet>-0` ...). @default '<name>-origin' */
  readonly originStatefulSet: string;
  /** Headless Service: origins find their peers and edges find origins through it. @default '<name>-origin-headless' */
  readonly originHeadlessService: string;
  /** Origin ConfigMap. @default '<name>-origin-config' */
  readonly originConfigMap: string;
  /** Origin PodDisruptionBudget. @default '<name>-origin-pdb' */
  readonly originPdb: string;
  /** `app` label of the origin pods. @default '<name>-origin' */
  readonly originApp: string;
}

/** Public ports of an OriginCluster's edge Service. */
export interface OriginClusterPorts {
  /** RTMP publish and play. @default the engine's RTMP port (1935) */
  readonly rtmp?: number;
  /** HTTP-FLV and HLS. @default the engine's HTTP port (8080) */
  readonly http?: number;
}

/** Props of {@link OriginCluster}. */
export interface OriginClusterProps extends ServerConstructProps {
  /** Object names. @default - derived from `name` (see OriginClusterNames) */
  readonly names?: Partial<OriginClusterNames>;
  /** Ports of the edge Service. @default - the engine's ports */
  readonly ports?: OriginClusterPorts;
  /** Origin count; streams spread over them. @default 3 */
  readonly origins?: number;
  /** Edge count. @default 3 */
  readonly edgeReplicas?: number;
  /** Create PodDisruptionBudgets for origins and edges. @default true */
  readonly pdb?: boolean;
  /**
   * Gray release of the edges: a second edge Deployment (`<edgeDeployment>-canary`, pods labelled `track: canary`)
   * with its own engine, config and replica count behind the same edge Service. The origins take no canary: each
   * holds the streams published to it. Promote by moving its settings to the main props; roll back by dropping it.
   * @default - no canary
   */
  readonly canary?: CanaryProps;
}

/**
 * The guide's "SRS Origin Cluster for a Large Number of Streams": several origins (a StatefulSet behind a headless
 * Service) that know their peers, so a stream published through any edge lands on one origin and an edge asked
 * for a stream finds the origin that holds it; the edges (the same edge pool as EdgeCluster) are the public entry
 * point for RTMP, HTTP-FLV and HLS. The API stays internal (`exposeApi` is not used: there is no origin LB).
 */
export class OriginCluster extends Construct {
  public readonly name: string;
  public readonly engine: IServerEngine;
  public readonly names: OriginClusterNames;
  public readonly origins: number;
  public readonly edgeReplicas: number;
  /** The origins as edges see them (RTMP) and as peers see each other (API). */
  public readonly originUpstream: Upstream;
  public readonly peerUpstream: Upstream;
  /** The origins (StatefulSet, headless Service, PDB). */
  public readonly originSet: ServerSet;
  /** The origin StatefulSet. */
  public readonly originStatefulSet: kplus.StatefulSet;
  /** The origins' headless Service. */
  public readonly originHeadlessService: kplus.Service;
  /** The edges (ConfigMap, Deployment, Service, PDB). */
  public readonly edges: EdgePool;
  /** The edge Deployment. */
  public readonly edgeDeployment: kplus.Deployment;
  /** The edge LoadBalancer: the cluster's entry point. */
  public readonly edgeService: kplus.Service;
  /** The canary edge Deployment, when `canary` is set. */
  public readonly edgeCanaryDeployment?: kplus.Deployment;
  /** Monitoring, autoscaling (edges), network policy and HTTPS entry objects (the operations pack props). */
  public readonly operations: Operations;
  /** The origins' shared recordings claim, with the `recording` prop. */
  public readonly recordingClaim?: kplus.PersistentVolumeClaim;

  public constructor(scope: Construct, id: string, props: OriginClusterProps = {}) {
    super(scope, id);
    const owner = 'OriginCluster';
    const common = resolveCommon(owner, props);
    this.name = common.name;
    this.engine = common.engine;
    if (props.exposeApi) {
      throw new Error(`${owner} 'exposeApi' must be false or unset, got true: the origins have no public Service; reach their API inside the cluster through '<originHeadlessService>:1985'`);
    }
    this.origins = checkInteger(owner, 'origins', props.origins ?? 3, 1);
    this.edgeReplicas = checkInteger(owner, 'edgeReplicas', props.edgeReplicas ?? 3, 1);
    const n = this.name;
    this.names = resolveNames<OriginClusterNames>(owner, props.names, {
      originStatefulSet: `${n}-origin`,
      originHeadlessService: `${n}-origin-headless`,
      originConfigMap: `${n}-origin-config`,
      originPdb: `${n}-origin-pdb`,
      originApp: `${n}-origin`,
      ...defaultEdgeNames(n),
    });
    const p = this.engine.ports;
    // TLS at the edges (the entry point); recording on the origins, which hold the published streams.
    const tls = resolveTls(owner, props.tls, this.engine);
    const recording = resolveRecording(owner, props.recording, this.engine, this.origins);
    const edgePorts: PortSpec[] = [
      servicePort('rtmp', p.rtmp, props.ports?.rtmp),
      servicePort('http', p.http, props.ports?.http),
      ...tlsServicePorts(tls),
    ];
    checkPublicPorts(owner, [{ prop: 'ports', ports: edgePorts }], props.sharedLoadBalancer !== undefined);

    const setNames = {
      statefulSet: this.names.originStatefulSet,
      headlessService: this.names.originHeadlessService,
      configMap: this.names.originConfigMap,
      pdb: this.names.originPdb,
      app: this.names.originApp,
    };
    this.originUpstream = serverSetUpstream(setNames, this.origins, p.rtmp);
    this.peerUpstream = serverSetUpstream(setNames, this.origins, p.api);
    const pdb = props.pdb ?? true;
    this.originSet = new ServerSet(this, 'Origins', {
      engine: this.engine,
      wiring: { role: 'origin', clusterPeers: this.peerUpstream },
      names: setNames,
      replicas: this.origins,
      size: common.size,
      pdb,
      recording,
    });
    this.recordingClaim = this.originSet.servers.recordingClaim;
    this.originStatefulSet = this.originSet.statefulSet;
    this.originHeadlessService = this.originSet.headlessService;

    this.edges = new EdgePool(this, 'Edges', {
      engine: this.engine,
      origins: this.originUpstream,
      peers: this.peerUpstream,
      names: this.names,
      replicas: this.edgeReplicas,
      size: common.size,
      ports: edgePorts,
      loadBalancer: props,
      pdb,
      canary: resolveCanary(owner, props.canary, common),
      owner,
      tls,
    });
    this.edgeDeployment = this.edges.deployment;
    this.edgeCanaryDeployment = this.edges.canary?.workload as kplus.Deployment | undefined;
    this.edgeService = this.edges.service;

    // Origins talk to each other (holder lookups on the API, HLS proxying on HTTP) and serve the edges on all three.
    const originPorts = [p.rtmp, p.http, p.api];
    const origin = this.names.originApp;
    this.operations = new Operations(this, 'Operations', {
      owner, name: this.name, engine: this.engine, cpuRequestMillis: common.size.cpuRequestMillis,
      workloads: [
        {
          app: origin, role: 'origin', publicPorts: [],
          peerIngress: [{ from: [this.names.edgeApp, origin], ports: originPorts }],
          peerEgress: [{ to: [origin], ports: originPorts }],
        },
        {
          app: this.names.edgeApp, role: 'edge', publicPorts: edgePorts.map((q) => q.targetPort), peerIngress: [],
          peerEgress: [{ to: [origin], ports: originPorts }],
        },
      ],
      httpBackends: [{ service: this.edgeService, port: servicePortFor(edgePorts, p.http), host: 'main' }],
      scalable: { workload: this.edgeDeployment, app: this.names.edgeApp, description: 'the edges' },
    }, props);
  }
}
