import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { checkNonNegative } from './checks';

/** CPU and memory for one container, as plain numbers so they are easy to set and to check. */
export interface ContainerSize {
  /** CPU the scheduler reserves, in millicores. @default depends on the container (see each construct's docs) */
  readonly cpuRequestMillis?: number;
  /** CPU ceiling in millicores; throttled above it. @default depends on the container */
  readonly cpuLimitMillis?: number;
  /** Memory the scheduler reserves, in MiB. @default depends on the container */
  readonly memoryRequestMebibytes?: number;
  /** Memory ceiling in MiB; the container is OOM-killed above it. @default depends on the container */
  readonly memoryLimitMebibytes?: number;
}

/** Fully resolved container size. */
export type ResolvedContainerSize = Required<ContainerSize>;

/**
 * Media servers: a request that fits several per node, a CPU limit of two cores so a fan-out burst is not
 * throttled (the companion server and SRS are mostly single-threaded; the second core absorbs GC and TLS),
 * and 1 GiB memory for GOP caches and per-player queues.
 */
export const SERVER_SIZE: ResolvedContainerSize = {
  cpuRequestMillis: 500,
  cpuLimitMillis: 2000,
  memoryRequestMebibytes: 256,
  memoryLimitMebibytes: 1024,
};

/** nginx serving static HLS files: small and I/O bound. */
export const NGINX_SIZE: ResolvedContainerSize = {
  cpuRequestMillis: 50,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: 32,
  memoryLimitMebibytes: 128,
};

/** The init container that copies the player page into the shared volume: runs for a second. */
export const SEED_SIZE: ResolvedContainerSize = {
  cpuRequestMillis: 10,
  cpuLimitMillis: 200,
  memoryRequestMebibytes: 16,
  memoryLimitMebibytes: 64,
};

/** Fills `size` from `defaults` and checks every number (named `${prop}.field` in errors). */
export function resolveSize(
  owner: string,
  prop: string,
  size: ContainerSize | undefined,
  defaults: ResolvedContainerSize,
): ResolvedContainerSize {
  const out = { ...defaults, ...(size ?? {}) };
  for (const [field, value] of Object.entries(out)) checkNonNegative(owner, `${prop}.${field}`, value);
  if (out.cpuLimitMillis < out.cpuRequestMillis) {
    throw new Error(`${owner} '${prop}.cpuLimitMillis' (${out.cpuLimitMillis}) must be >= '${prop}.cpuRequestMillis' (${out.cpuRequestMillis})`);
  }
  if (out.memoryLimitMebibytes < out.memoryRequestMebibytes) {
    throw new Error(`${owner} '${prop}.memoryLimitMebibytes' (${out.memoryLimitMebibytes}) must be >= '${prop}.memoryRequestMebibytes' (${out.memoryRequestMebibytes})`);
  }
  return out;
}

/** The cdk8s-plus form of a resolved size. */
export function toResources(size: ResolvedContainerSize): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(size.cpuRequestMillis), limit: kplus.Cpu.millis(size.cpuLimitMillis) },
    memory: { request: Size.mebibytes(size.memoryRequestMebibytes), limit: Size.mebibytes(size.memoryLimitMebibytes) },
  };
}
