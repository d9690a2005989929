/**
 * Gray release: a second workload (the canary track) next to the stable one, with its own engine (image, server
 * config), replica count, ConfigMap, config hash and PodDisruptionBudget. Both tracks carry the same `app` label,
 * so the one Service in front of them splits new connections by replica share; each workload selects its own
 * `track` label, so the two controllers and the two PDBs never claim each other's pods.
 *
 * Promote: move the canary's settings to the main props and drop `canary`. Roll back: drop `canary`.
 */
import { IServerEngine } from '../engines/engine';
import { checkInteger, checkName } from './checks';
import { ContainerSize, ResolvedContainerSize, resolveSize } from './resources';

/** Pod label telling the two tracks apart (`stable` or `canary`); Services do not select on it. */
export const TRACK_LABEL = 'track';

/** A track of a workload that can take a canary. */
export type Track = 'stable' | 'canary';

/** Props of a canary track (the `canary` prop of EdgeCluster, OriginCluster and RelayCluster). */
export interface CanaryProps {
  /**
   * The canary's engine: the new image or tag (`ServerEngine.companion({ image })`, `ServerEngine.srs({ tag })`)
   * and its server config. Its ports must equal the stable engine's: one Service forwards to both tracks.
   * @default - the construct's `engine` (a canary that differs only in `resources` or replica count)
   */
  readonly engine?: IServerEngine;
  /**
   * Canary pod count. New connections split by replica share: 1 canary next to 3 stable edges takes about a
   * quarter of them.
   * @default 1
   */
  readonly replicas?: number;
  /** CPU and memory of the canary's server container. @default - the construct's `resources` */
  readonly resources?: ContainerSize;
}

/** A canary resolved against its construct's stable settings. */
export interface ResolvedCanary {
  /** Engine of the canary pods. */
  readonly engine: IServerEngine;
  /** Canary pod count. */
  readonly replicas: number;
  /** Server container size. */
  readonly size: ResolvedContainerSize;
}

/**
 * Resolves and checks `canary` (errors name `canary.<field>`). `role` is what the canary replaces, for errors.
 * Returns undefined when there is no canary.
 */
export function resolveCanary(
  owner: string,
  canary: CanaryProps | undefined,
  stable: { readonly engine: IServerEngine; readonly size: ResolvedContainerSize },
): ResolvedCanary | undefined {
  if (canary === undefined) return undefined;
  if (canary === null || typeof canary !== 'object') {
    throw new Error(`${owner} 'canary' must be an object { engine?, replicas?, resources? }, got ${JSON.stringify(canary)}`);
  }
  const engine = canary.engine ?? stable.engine;
  const a = stable.engine.ports;
  const b = engine.ports;
  if (a.rtmp !== b.rtmp || a.http !== b.http || a.api !== b.api) {
    throw new Error(
      `${owner} 'canary.engine' ports (rtmp ${b.rtmp}, http ${b.http}, api ${b.api}) must equal the 'engine' ports `
      + `(rtmp ${a.rtmp}, http ${a.http}, api ${a.api}): one Service forwards to both tracks`,
    );
  }
  return {
    engine,
    replicas: checkInteger(owner, 'canary.replicas', canary.replicas ?? 1, 1),
    size: canary.resources === undefined ? stable.size : resolveSize(owner, 'canary.resources', canary.resources, stable.size),
  };
}

/** The canary's name for a stable object name (`<name>-canary`), checked as a Kubernetes name. */
export function canaryName(owner: string, stableName: string): string {
  return checkName(owner, 'canary', `${stableName}-canary`);
}

/**
 * Constructs whose pods are not interchangeable (one origin holds every stream) take no canary: a canary origin
 * behind the same Service would get some publishers, and players sent to the other pod would find nothing.
 * TypeScript callers cannot pass the prop; this stops JavaScript callers with a clear error.
 */
export function rejectCanary(owner: string, props: object): void {
  if ((props as { canary?: unknown }).canary !== undefined) {
    throw new Error(
      `${owner} has no 'canary': its one origin pod holds every stream, so a second track behind the same Service would `
      + 'split publishers from players. Gray-release the viewer-serving pods of EdgeCluster, OriginCluster (edges) or RelayCluster (servers)',
    );
  }
}
