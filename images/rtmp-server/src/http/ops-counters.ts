// Process-wide event counters for /metrics that have no home in the hub: config reloads (config/reload.ts)
// and failed upstream pulls (edge/pull.ts). One server runs per process, so process-wide is per server.

export interface OpsCounters {
  /** Config changes applied by a reload. */
  configReloadsApplied: number;
  /** Config changes refused (invalid file) or that failed to apply; the running config stayed. */
  configReloadsRejected: number;
  /** Edge pulls that could not reach their origin or lost it (each attempt counts). */
  upstreamPullFailures: number;
}

export const opsCounters: OpsCounters = { configReloadsApplied: 0, configReloadsRejected: 0, upstreamPullFailures: 0 };
