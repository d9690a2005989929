import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServerWiring } from '../engines/engine';
import { canaryName, ResolvedCanary } from './canary';
import { createPdb } from './pdb';
import { ServerWorkload } from './server-workload';

/** The stable track a canary is added next to. */
export interface StableTrack {
  /** Construct class name, for errors. */
  readonly owner: string;
  /** The stable workload's name, ConfigMap name and PDB name: the canary's are `<each>-canary`. */
  readonly name: string;
  readonly configMapName: string;
  readonly pdbName: string;
  /** `app` label shared by both tracks (what the Services select). */
  readonly app: string;
  /** Role and upstreams, the same for both tracks. */
  readonly wiring: ServerWiring;
  /** StatefulSet canary under this headless Service. @default - a Deployment */
  readonly headlessService?: kplus.Service;
  /** Give the canary its own PodDisruptionBudget. */
  readonly pdb: boolean;
}

/** The canary track's objects. */
export interface CanaryTrack {
  readonly servers: ServerWorkload;
  readonly pdb?: k8s.KubePodDisruptionBudget;
}

/** Adds the canary workload (`track: canary`) and its PDB next to a stable track. */
export function addCanaryTrack(scope: Construct, stable: StableTrack, canary: ResolvedCanary): CanaryTrack {
  const servers = new ServerWorkload(scope, 'Canary', {
    engine: canary.engine,
    wiring: stable.wiring,
    name: canaryName(stable.owner, stable.name),
    configMapName: canaryName(stable.owner, stable.configMapName),
    app: stable.app,
    replicas: canary.replicas,
    size: canary.size,
    headlessService: stable.headlessService,
    track: 'canary',
  });
  const pdb = stable.pdb ? createPdb(scope, 'CanaryPdb', canaryName(stable.owner, stable.pdbName), stable.app, 'canary') : undefined;
  return { servers, pdb };
}
