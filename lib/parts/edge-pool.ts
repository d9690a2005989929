import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, Upstream } from '../engines/engine';
import { ResolvedCanary } from './canary';
import { addCanaryTrack } from './canary-track';
import { createPdb } from './pdb';
import { ResolvedContainerSize } from './resources';
import { ServerWorkload } from './server-workload';
import { createService, LoadBalancerProps, PortSpec } from './services';
import { ResolvedTls } from './tls';

/** Object names of an edge pool (part of EdgeCluster's and OriginCluster's names). */
export interface EdgeNames {
  /** Edge ConfigMap. @default '<name>-edge-config' */
  readonly edgeConfigMap: string;
  /** Edge Deployment. @default '<name>-edge-deploy' */
  readonly edgeDeployment: string;
  /** Public LoadBalancer at the edges (RTMP; HTTP-FLV and HLS on the HTTP port). @default '<name>-edge-service' */
  readonly edgeService: string;
  /** Edge PodDisruptionBudget. @default '<name>-edge-pdb' */
  readonly edgePdb: string;
  /** `app` label of the edge pods. @default '<name>-edge' */
  readonly edgeApp: string;
}

/** The default edge names for a name prefix (the guide's `srs-edge-*` with `srs`). */
export function defaultEdgeNames(prefix: string): EdgeNames {
  return {
    edgeConfigMap: `${prefix}-edge-config`,
    edgeDeployment: `${prefix}-edge-deploy`,
    edgeService: `${prefix}-edge-service`,
    edgePdb: `${prefix}-edge-pdb`,
    edgeApp: `${prefix}-edge`,
  };
}

/** What an edge pool is built from. */
export interface EdgePoolOptions {
  /** Server engine. */
  readonly engine: IServerEngine;
  /** Where edges pull from and forward publishes to. */
  readonly origins: Upstream;
  /** The origins' HTTP listeners (HLS). @default - the `origins` hosts on the HTTP port */
  readonly originsHttp?: Upstream;
  /** Origin-cluster APIs the edges ask which origin holds a stream. @default - no origin cluster */
  readonly peers?: Upstream;
  /** Object names (other names may be present; only the edge ones are used). */
  readonly names: EdgeNames;
  /** Edge pod count. */
  readonly replicas: number;
  /** Edge container CPU and memory. */
  readonly size: ResolvedContainerSize;
  /** Public ports of the edge Service (RTMP and HTTP-FLV/HLS). */
  readonly ports: readonly PortSpec[];
  /** Load balancer settings. */
  readonly loadBalancer: LoadBalancerProps;
  /** Create the PodDisruptionBudget. */
  readonly pdb: boolean;
  /** A canary track of edges behind the same Service. @default - none */
  readonly canary?: ResolvedCanary;
  /** Construct class name, for errors about canary names. @default 'EdgePool' */
  readonly owner?: string;
  /** RTMPS and HTTPS on the edges (the ports must be in `ports` too). @default - no TLS */
  readonly tls?: ResolvedTls;
}

/**
 * Edges in front of origins: a ConfigMap pointing at the origins, a Deployment of edge servers, the public
 * LoadBalancer viewers and publishers connect to, and a PodDisruptionBudget. Shared by EdgeCluster and OriginCluster.
 */
export class EdgePool extends Construct {
  /** The edge servers (Deployment, ConfigMap, containers). */
  public readonly servers: ServerWorkload;
  /** The edge Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The public edge Service. */
  public readonly service: kplus.Service;
  /** The edges' PodDisruptionBudget, unless disabled. */
  public readonly pdb?: k8s.KubePodDisruptionBudget;
  /** The canary edges (`<edgeDeployment>-canary`, its own ConfigMap), when `canary` is set. */
  public readonly canary?: ServerWorkload;
  /** The canary edges' PodDisruptionBudget, when there is a canary and `pdb`. */
  public readonly canaryPdb?: k8s.KubePodDisruptionBudget;

  public constructor(scope: Construct, id: string, options: EdgePoolOptions) {
    super(scope, id);
    const { names } = options;
    const owner = options.owner ?? 'EdgePool';
    const wiring = { role: 'edge' as const, origins: options.origins, originsHttp: options.originsHttp, clusterPeers: options.peers };
    // Always labelled `track: stable`: adding a canary later must not change this Deployment's (immutable) selector.
    this.servers = new ServerWorkload(this, 'Edge', {
      engine: options.engine,
      wiring,
      name: names.edgeDeployment,
      configMapName: names.edgeConfigMap,
      app: names.edgeApp,
      replicas: options.replicas,
      size: options.size,
      track: 'stable',
      tls: options.tls,
    });
    this.deployment = this.servers.workload as kplus.Deployment;
    this.service = createService(this, 'Service', {
      name: names.edgeService,
      app: names.edgeApp,
      ports: options.ports,
      kind: 'public',
    }, options.loadBalancer);
    if (options.pdb) this.pdb = createPdb(this, 'Pdb', names.edgePdb, names.edgeApp, 'stable');
    if (options.canary) {
      const track = addCanaryTrack(this, {
        owner, name: names.edgeDeployment, configMapName: names.edgeConfigMap, pdbName: names.edgePdb,
        app: names.edgeApp, wiring, pdb: options.pdb,
      }, options.canary);
      this.canary = track.servers;
      this.canaryPdb = track.pdb;
    }
  }
}
