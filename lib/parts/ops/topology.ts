import * as kplus from 'cdk8s-plus-28';
import { IServerEngine, ServerRole } from '../../engines/engine';

/** What the operations pack needs to know about one server workload of a construct. */
export interface OpsWorkload {
  /** `app` label of its pods. */
  readonly app: string;
  /** Role (origin, edge, relay). */
  readonly role: ServerRole;
  /** Container ports reachable from anywhere (behind a public Service). */
  readonly publicPorts: readonly number[];
  /** Container ports reachable only from pods of this construct with these `app` labels. */
  readonly peerIngress: readonly { readonly from: readonly string[]; readonly ports: readonly number[] }[];
  /** Connections it opens to pods of this construct. */
  readonly peerEgress: readonly { readonly to: readonly string[]; readonly ports: readonly number[] }[];
  /** Ports it connects to outside the cluster (external origins), any address. @default none */
  readonly externalEgressPorts?: readonly number[];
}

/** A Service players reach over HTTP, and the host name it is published under. */
export interface OpsHttpBackend {
  /** The Service. */
  readonly service: kplus.Service;
  /** The Service port (not the target port). */
  readonly port: number;
  /** Which host: the main one (HTTP-FLV, HLS, player) or the HLS host of an EdgeCluster's origin. */
  readonly host: 'main' | 'hls';
}

/** The workload the `autoscaling` prop scales. */
export interface OpsScalable {
  /** The Deployment or StatefulSet. */
  readonly workload: kplus.Deployment | kplus.StatefulSet;
  /** Its `app` label. */
  readonly app: string;
  /** What the construct calls it, for docs and errors (e.g. 'the edges'). */
  readonly description: string;
}

/** A construct as the operations pack sees it. */
export interface OpsTopology {
  /** Construct class name, for errors. */
  readonly owner: string;
  /** Name prefix of the construct's objects. */
  readonly name: string;
  /** Server engine. */
  readonly engine: IServerEngine;
  /** Every server workload. */
  readonly workloads: readonly OpsWorkload[];
  /** Where HTTP players connect. */
  readonly httpBackends: readonly OpsHttpBackend[];
  /** What `autoscaling` scales, or undefined when the topology has nothing to scale on viewers. */
  readonly scalable?: OpsScalable;
  /** Server container CPU request, in millicores (CPU-based scaling needs one). */
  readonly cpuRequestMillis: number;
}

/** The Service port that forwards to `targetPort` (the `ports.*` props may move the Service port). */
export function servicePortFor(ports: readonly { readonly port: number; readonly targetPort: number }[], targetPort: number): number {
  const hit = ports.find((p) => p.targetPort === targetPort);
  if (!hit) throw new Error(`no Service port forwards to ${targetPort}`);
  return hit.port;
}
