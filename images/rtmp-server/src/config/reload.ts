// Applying a changed config to the running server: re-load all layers (flags and env still win over the
// new file), keep the old config when the new one is invalid, and say which changes need a restart.
import type { ServerConfig } from '../../../../lib/server-config';
import type { MediaApp } from '../app';
import type { Logger } from '../log';
import { ConfigError } from './errors';
import { CONFIG_FIELDS } from './fields';
import { opsCounters } from '../http/ops-counters';

/** Fields the shell itself cannot change while running. */
const SHELL_RESTART_FIELDS = ['api.port'];

/** Dotted paths of the fields whose values differ. */
export function changedFields(a: ServerConfig, b: ServerConfig): string[] {
  return CONFIG_FIELDS.map((f) => f.path).filter((p) => JSON.stringify(valueOf(a, p)) !== JSON.stringify(valueOf(b, p)));
}

function valueOf(config: ServerConfig, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

/**
 * Re-reads the config with `load`; returns the new config when it was applied, or null when it is unchanged
 * or invalid (then the old one stays in force and the error is logged).
 */
export function reloadConfig(
  current: ServerConfig,
  load: () => ServerConfig,
  app: Pick<MediaApp, 'reload'>,
  log: Logger,
): ServerConfig | null {
  let next: ServerConfig;
  try {
    next = load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    opsCounters.configReloadsRejected++;
    log.error({ event: 'config-reload-rejected', problems: e.problems }, 'new config is invalid; keeping the running one');
    return null;
  }
  const changed = changedFields(current, next);
  if (changed.length === 0) return null;
  let fromApp: string[];
  try {
    fromApp = app.reload(next);
  } catch (e) {
    opsCounters.configReloadsRejected++;
    log.error({ event: 'config-reload-failed', changed, err: e }, 'applying the new config failed; keeping the running one');
    return null;
  }
  const needRestart = [...new Set([...fromApp, ...SHELL_RESTART_FIELDS.filter((f) => changed.includes(f))])];
  opsCounters.configReloadsApplied++;
  log.level = next.log.level;
  log.info({ event: 'config-reloaded', changed, needRestart }, needRestart.length
    ? `config reloaded; restart needed for ${needRestart.join(', ')}`
    : 'config reloaded');
  return next;
}
