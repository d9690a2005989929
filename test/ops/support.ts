// Shared by the operations-pack tests: the synthesized monitoring objects of an EdgeCluster in namespace `live`.
import { Chart, Testing } from 'cdk8s';
import { EdgeCluster, EdgeClusterProps } from '../../lib';
import type { K8sObject } from '../constructs/support/synth';

export const NAMESPACE = 'live';

/** Synthesizes an EdgeCluster with `props` in a chart whose namespace is `live`. */
export function synthEdgeCluster(props: EdgeClusterProps): { objects: K8sObject[]; construct: EdgeCluster } {
  const chart = new Chart(Testing.app(), 'ops', { namespace: NAMESPACE });
  const construct = new EdgeCluster(chart, 'EdgeCluster', props);
  return { objects: Testing.synth(chart) as K8sObject[], construct };
}

/** The one object of `kind`; throws when there is not exactly one. */
export function only(objects: K8sObject[], kind: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind);
  if (hits.length !== 1) throw new Error(`expected one ${kind}, found ${hits.length}`);
  return hits[0];
}
