import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, Upstream } from './engines/engine';
import { CanaryProps, canaryName, resolveCanary } from './parts/canary';
import { checkInteger } from './parts/checks';
import { resolveCommon, resolveNames, ServerConstructProps } from './parts/common-props';
import { ServerSet, serverSetUpstream } from './parts/server-set';
import { ServerWorkload } from './parts/server-workload';
import { checkPublicPorts, createService, PortSpec, servicePort } from './parts/services';
import { Operations } from './parts/ops/operations';
import { servicePortFor } from './parts/ops/topology';
import { resolveRecording } from './parts/recording';
import { resolveTls, tlsServicePorts } from './parts/tls';

/** Object names of a RelayCluster. */
export interface RelayClusterNames {
  /** Ingest relay Deployment. @default '<name>-relay-deploy' */
  readonly relayDeployment: string;
  /** Ingest relay ConfigMap. @default '<name>-relay-config' */
  readonly relayConfigMap: string;
  /** LoadBalancer publishers connect to. @default '<name>-relay-service' */
  readonly relayService: string;
  /** `app` label of the relay pods. @default '<name>-relay' */
  readonly relayApp: string;
  /** Server StatefulSet (pods `<serverStatefulSet>-0` ...). @default '<name>-server' */
  readonly serverStatefulSet: string;
  /** Headless Service the relay resolves to find every server. @default '<name>-server-headless' */
  readonly serverHeadlessService: string;
  /** Server ConfigMap. @default '<name>-server-config' */
  readonly serverConfigMap: string;
  /** Server PodDisruptionBudget. @default '<name>-server-pdb' */
  readonly serverPdb: string;
  /** `app` label of the server pods. @default '<name>-server' */
  readonly serverApp: string;
  /** LoadBalancer viewers connect to (over all servers). @default '<name>-viewer-service' */
  readonly viewerService: string;
}

/** Public ports of a RelayCluster's viewer Service. */
export interface RelayClusterPorts {
  /** RTMP play. @default the engine's RTMP port (1935) */
  readonly rtmp?: number;
  /** HTTP-FLV and HLS. @default the engine's HTTP port (8080) */
  readonly http?: number;
  /** HTTP API, only with `exposeApi`. @default the engine's API port (1985) */
  readonly api?: number;
}

/** Props of {@link RelayCluster}. */
export interface RelayClusterProps extends ServerConstructProps {
  /** Object names. @default - derived from `name` (see RelayClusterNames) */
  readonly names?: Partial<RelayClusterNames>;
  /** Ports of the viewer Service. @default - the engine's ports */
  readonly ports?: RelayClusterPorts;
  /**
   * Port of the publishers' Service (RTMP). Must differ from `ports.rtmp` when both Services share one load
   * balancer (`sharedLoadBalancer`).
   * @default the engine's RTMP port (1935)
   */
  readonly ingestPort?: number;
  /** RTMP servers that every published stream is pushed to. @default 2 */
  readonly servers?: number;
  /** Ingest relay pods (publishers are spread over them by the relay Service). @default 1 */
  readonly relayReplicas?: number;
  /** Create a PodDisruptionBudget for the servers. @default true */
  readonly pdb?: boolean;
  /**
   * Gray release of the viewer-serving servers: a second StatefulSet (`<serverStatefulSet>-canary`, pods labelled
   * `track: canary`) with its own engine, config and replica count under the same headless and viewer Services;
   * the relay pushes every stream to it too. Promote by moving its settings to the main props; roll back by dropping it.
   * @default - no canary
   */
  readonly canary?: CanaryProps;
}

/**
 * The rtmp-k8s diagram: publisher → one RTMP relay → RTMP server 1, 2 … N → load balancer → viewers.
 * The relay pushes every published stream to every server behind the servers' headless Service (the companion
 * server re-resolves that name, so scaling the StatefulSet adds pushes without touching the publisher); viewers
 * reach any server through one LoadBalancer on RTMP and HTTP-FLV/HLS.
 */
export class RelayCluster extends Construct {
  public readonly name: string;
  public readonly engine: IServerEngine;
  public readonly names: RelayClusterNames;
  public readonly exposeApi: boolean;
  public readonly servers: number;
  public readonly relayReplicas: number;
  /** Where the relay pushes (the servers' headless Service, and each server). */
  public readonly relayTargets: Upstream;
  /** The ingest relay (Deployment, ConfigMap, container). */
  public readonly relay: ServerWorkload;
  /** The relay Deployment. */
  public readonly relayDeployment: kplus.Deployment;
  /** The publishers' Service. */
  public readonly relayService: kplus.Service;
  /** The RTMP servers (StatefulSet, headless Service, PDB). */
  public readonly serverSet: ServerSet;
  /** The server StatefulSet. */
  public readonly serverStatefulSet: kplus.StatefulSet;
  /** The servers' headless Service. */
  public readonly serverHeadlessService: kplus.Service;
  /** The viewers' LoadBalancer. */
  public readonly viewerService: kplus.Service;
  /** The canary server StatefulSet, when `canary` is set. */
  public readonly serverCanaryStatefulSet?: kplus.StatefulSet;
  /** Monitoring, autoscaling (servers), network policy and HTTPS entry objects (the operations pack props). */
  public readonly operations: Operations;
  /** The relay's recordings claim, with the `recording` prop. */
  public readonly recordingClaim?: kplus.PersistentVolumeClaim;

  public constructor(scope: Construct, id: string, props: RelayClusterProps = {}) {
    super(scope, id);
    const owner = 'RelayCluster';
    const common = resolveCommon(owner, props);
    this.name = common.name;
    this.engine = common.engine;
    this.exposeApi = props.exposeApi ?? false;
    this.servers = checkInteger(owner, 'servers', props.servers ?? 2, 1);
    this.relayReplicas = checkInteger(owner, 'relayReplicas', props.relayReplicas ?? 1, 1);
    const n = this.name;
    this.names = resolveNames<RelayClusterNames>(owner, props.names, {
      relayDeployment: `${n}-relay-deploy`,
      relayConfigMap: `${n}-relay-config`,
      relayService: `${n}-relay-service`,
      relayApp: `${n}-relay`,
      serverStatefulSet: `${n}-server`,
      serverHeadlessService: `${n}-server-headless`,
      serverConfigMap: `${n}-server-config`,
      serverPdb: `${n}-server-pdb`,
      serverApp: `${n}-server`,
      viewerService: `${n}-viewer-service`,
    });
    const p = this.engine.ports;
    // TLS on both sides (RTMPS in at the relay; RTMPS and HTTPS out at the servers); the relay records each
    // stream once, where it is published (the servers would each hold a copy).
    const tls = resolveTls(owner, props.tls, this.engine);
    const recording = resolveRecording(owner, props.recording, this.engine, this.relayReplicas);
    const ingestPorts: PortSpec[] = [{ ...servicePort('rtmp', p.rtmp, props.ingestPort), prop: 'ingestPort' }, ...tlsServicePorts(tls, 'rtmps')];
    const viewerPorts: PortSpec[] = [
      servicePort('rtmp', p.rtmp, props.ports?.rtmp),
      ...(this.exposeApi ? [servicePort('api', p.api, props.ports?.api)] : []),
      servicePort('http', p.http, props.ports?.http),
      ...tlsServicePorts(tls),
    ];
    checkPublicPorts(owner, [{ prop: 'ports', ports: ingestPorts }, { prop: 'ports', ports: viewerPorts }], props.sharedLoadBalancer !== undefined);

    const setNames = {
      statefulSet: this.names.serverStatefulSet,
      headlessService: this.names.serverHeadlessService,
      configMap: this.names.serverConfigMap,
      pdb: this.names.serverPdb,
      app: this.names.serverApp,
    };
    const canary = resolveCanary(owner, props.canary, common);
    const stableTargets = serverSetUpstream(setNames, this.servers, p.rtmp);
    // The canary servers share the headless Service (the dynamic name) and add their own pod names (for SRS).
    const canaryMembers = canary
      ? serverSetUpstream({ ...setNames, statefulSet: canaryName(owner, setNames.statefulSet) }, canary.replicas, p.rtmp).members
      : [];
    this.relayTargets = { dynamic: stableTargets.dynamic, members: [...stableTargets.members, ...canaryMembers] };
    this.serverSet = new ServerSet(this, 'Servers', {
      engine: this.engine,
      wiring: { role: 'origin', behindRelay: true },
      names: setNames,
      replicas: this.servers,
      size: common.size,
      pdb: props.pdb ?? true,
      tracked: true,
      canary,
      owner,
      tls,
    });
    this.serverStatefulSet = this.serverSet.statefulSet;
    this.serverCanaryStatefulSet = this.serverSet.canary?.workload as kplus.StatefulSet | undefined;
    this.serverHeadlessService = this.serverSet.headlessService;
    this.viewerService = createService(this, 'ViewerService', {
      name: this.names.viewerService,
      app: this.names.serverApp,
      ports: viewerPorts,
      kind: 'public',
    }, props);

    this.relay = new ServerWorkload(this, 'Relay', {
      engine: this.engine,
      wiring: { role: 'relay', relayTargets: this.relayTargets },
      name: this.names.relayDeployment,
      configMapName: this.names.relayConfigMap,
      app: this.names.relayApp,
      replicas: this.relayReplicas,
      size: common.size,
      tls,
      recording,
    });
    this.relayDeployment = this.relay.workload as kplus.Deployment;
    this.recordingClaim = this.relay.recordingClaim;
    this.relayService = createService(this, 'RelayService', {
      name: this.names.relayService,
      app: this.names.relayApp,
      ports: ingestPorts,
      kind: 'public',
    }, props);

    if (props.autoscaling && this.engine.engineName !== 'companion') {
      throw new Error(`${owner} 'autoscaling' needs the companion engine: SRS's forward destinations are fixed at synth time, so servers added by a scaler would get no streams; got the ${this.engine.engineName} engine`);
    }
    this.operations = new Operations(this, 'Operations', {
      owner, name: this.name, engine: this.engine, cpuRequestMillis: common.size.cpuRequestMillis,
      workloads: [
        {
          app: this.names.relayApp, role: 'relay', publicPorts: ingestPorts.map((q) => q.targetPort), peerIngress: [],
          peerEgress: [{ to: [this.names.serverApp], ports: [p.rtmp] }],
        },
        {
          app: this.names.serverApp, role: 'origin', publicPorts: viewerPorts.map((q) => q.targetPort),
          peerIngress: [{ from: [this.names.relayApp], ports: [p.rtmp] }], peerEgress: [],
        },
      ],
      httpBackends: [{ service: this.viewerService, port: servicePortFor(viewerPorts, p.http), host: 'main' }],
      scalable: { workload: this.serverStatefulSet, app: this.names.serverApp, description: 'the servers' },
    }, props);
  }
}
