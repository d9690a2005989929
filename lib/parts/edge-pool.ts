import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, Upstream } from '../engines/engine';
import { createPdb } from './pdb';
import { ResolvedContainerSize } from './resources';
import { ServerWorkload } from './server-workload';
import { createService, LoadBalancerProps, PortSpec } from './services';

/** Object names of an edge pool. */
export interface EdgePoolNames {
  /** Edge Deployment. */
  readonly deployment: string;
  /** Edge ConfigMap. */
  readonly configMap: string;
  /** Edge LoadBalancer Service. */
  readonly service: string;
  /** Edge PodDisruptionBudget. */
  readonly pdb: string;
  /** `app` label of the edge pods. */
  readonly app: string;
}

/** What an edge pool is built from. */
export interface EdgePoolOptions {
  /** Server engine. */
  readonly engine: IServerEngine;
  /** Where edges pull from and forward publishes to. */
  readonly origins: Upstream;
  /** Object names. */
  readonly names: EdgePoolNames;
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

  public constructor(scope: Construct, id: string, options: EdgePoolOptions) {
    super(scope, id);
    const { names } = options;
    this.servers = new ServerWorkload(this, 'Edge', {
      engine: options.engine,
      wiring: { role: 'edge', origins: options.origins },
      name: names.deployment,
      configMapName: names.configMap,
      app: names.app,
      replicas: options.replicas,
      size: options.size,
    });
    this.deployment = this.servers.workload as kplus.Deployment;
    this.service = createService(this, 'Service', {
      name: names.service,
      app: names.app,
      ports: options.ports,
      kind: 'public',
    }, options.loadBalancer);
    if (options.pdb) this.pdb = createPdb(this, 'Pdb', names.pdb, names.app);
  }
}
