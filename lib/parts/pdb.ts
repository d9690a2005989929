import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Track, TRACK_LABEL } from './canary';

/**
 * A PodDisruptionBudget letting voluntary disruptions (node drains, cluster upgrades) take at most one pod
 * of the set at a time, so the others keep serving viewers. cdk8s-plus has no PDB construct; this is the L1.
 */
export function createPdb(scope: Construct, id: string, name: string, app: string, track?: Track): k8s.KubePodDisruptionBudget {
  // With tracks, each track has its own budget: a pod matched by two PDBs cannot be evicted at all.
  const matchLabels = { app, ...(track ? { [TRACK_LABEL]: track } : {}) };
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name, labels: { app } },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels } },
  });
}
