// Command line → config → start. Exit codes: 0 after a graceful or forced shutdown, 2 for a config the
// server refuses (the message names the field), 1 when it cannot start (e.g. a port in use) or crashes.
import { diffFromDefaults, ServerConfig } from '../../../lib/server-config';
import { createMediaApp } from './app';
import { CONFIG_EXIT_CODE, ConfigError } from './config/errors';
import { ParsedFlags, parseFlags, USAGE } from './config/flags';
import { LoadedConfig, LoadInput, loadConfig } from './config/load';
import { reloadConfig } from './config/reload';
import { watchConfigFile } from './config/watch';
import { startApiServer } from './http/api-server';
import { Lifecycle } from './lifecycle';
import { createLogger, Logger, VERSION } from './log';

/** Config values never logged. */
function redact(input: ReturnType<typeof diffFromDefaults>): unknown {
  const auth = input.auth ? Object.fromEntries(Object.keys(input.auth).map((k) => [k, '[set]'])) : undefined;
  // Forward destinations carry platforms' stream keys.
  const forward = input.forward?.destinations ? { destinations: `[${input.forward.destinations.length} set]` } : undefined;
  return { ...input, ...(auth ? { auth } : {}), ...(forward ? { forward } : {}) };
}

/** Parses flags and loads the config; prints `config error: ...` lines and exits 2 when refused. */
function readConfig(input: LoadInput): { flags: ParsedFlags; loaded: LoadedConfig } | null {
  try {
    const flags = parseFlags(input.argv);
    if (flags.help || flags.version) {
      process.stdout.write(flags.help ? `${USAGE}\n` : `${VERSION}\n`);
      return null;
    }
    return { flags, loaded: loadConfig(input, flags) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) process.stderr.write(`config error: ${p}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
}

/** Starts the API, the media listeners and the config watch; signals drive the shutdown. */
async function run(input: LoadInput, flags: ParsedFlags, loaded: LoadedConfig, log: Logger): Promise<void> {
  let config: ServerConfig = loaded.config;
  const app = createMediaApp(config, log);
  const lifecycle = new Lifecycle({ app, settings: () => config.lifecycle, log, exit: (code) => process.exit(code) });
  // Installed before binding, so a SIGTERM during start-up also ends cleanly with exit 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => lifecycle.handleSignal(signal));

  const api = await startApiServer({
    hub: app.hub, hlsStats: app.hlsStats, hlsHttp: app.hlsHttp, dvrStats: app.dvrStats, tlsStats: app.tlsStats, hooks: app.hooks,
    config: () => config, lifecycle, log,
  }, config.api.port);
  lifecycle.onExit(() => api.close());
  // Recordings ended by the shutdown are renamed to their final name (an MP4 remux may not finish in time).
  lifecycle.onExit(() => app.flushRecordings());
  await app.listen();
  lifecycle.markListening();
  log.info({ event: 'listening', rtmp: config.rtmp.port, http: config.http.port, api: api.port },
    `listening: rtmp ${config.rtmp.port}, http ${config.http.port}, api ${api.port}`);

  if (loaded.file) {
    // Flags and env are re-applied over the new file, so they keep winning after a reload.
    const reread = () => loadConfig(input, flags).config;
    const watch = watchConfigFile(loaded.file, () => { config = reloadConfig(config, reread, app, log) ?? config; }, log);
    lifecycle.onExit(() => watch.close());
  }
}

/** An error nothing caught ends the process (state may be corrupt), but only after it is logged. */
function installCrashLog(log: Logger): void {
  const crash = (kind: string) => (err: unknown) => {
    log.fatal({ event: 'crash', kind, err }, 'unexpected error; exiting');
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaughtException'));
  process.on('unhandledRejection', crash('unhandledRejection'));
}

async function main(): Promise<void> {
  const input: LoadInput = { argv: process.argv.slice(2), env: process.env };
  const read = readConfig(input);
  if (!read) return;
  const { flags, loaded } = read;
  const { config } = loaded;
  const log = createLogger(config.log.level);
  installCrashLog(log);
  log.info({ event: 'start', mode: config.mode, file: loaded.file, settings: redact(diffFromDefaults(config)), sources: loaded.sources },
    `rtmp-server ${VERSION} starting as ${config.mode}`);
  for (const w of loaded.warnings) log.warn({ event: 'config-warning' }, w);
  try {
    await run(input, flags, loaded, log);
  } catch (e) {
    log.fatal({ event: 'start-failed', err: e }, `cannot start: ${(e as Error).message}`);
    process.exit(1);
  }
}

void main();
