// Command line → config → start. Exit codes: 0 after a graceful or forced shutdown, 2 for a config the
// server refuses (the message names the field), 1 when it cannot start (e.g. a port in use) or crashes.
import { diffFromDefaults, ServerConfig } from '../../../lib/server-config';
import { createMediaApp } from './app';
import { CONFIG_EXIT_CODE, ConfigError } from './config/errors';
import { parseFlags, USAGE } from './config/flags';
import { loadConfig } from './config/load';
import { reloadConfig } from './config/reload';
import { watchConfigFile } from './config/watch';
import { startApiServer } from './http/api-server';
import { Lifecycle } from './lifecycle';
import { createLogger, Logger, VERSION } from './log';

/** Config values never logged. */
function redact(input: ReturnType<typeof diffFromDefaults>): unknown {
  const auth = input.auth ? Object.fromEntries(Object.keys(input.auth).map((k) => [k, '[set]'])) : undefined;
  return auth ? { ...input, auth } : input;
}

function refuse(e: ConfigError): never {
  for (const p of e.problems) process.stderr.write(`config error: ${p}\n`);
  process.exit(CONFIG_EXIT_CODE);
}

async function main(argv: string[]): Promise<void> {
  const input = { argv, env: process.env };
  let flags;
  let loaded;
  try {
    flags = parseFlags(argv);
    if (flags.help || flags.version) {
      process.stdout.write(flags.help ? `${USAGE}\n` : `${VERSION}\n`);
      return;
    }
    loaded = loadConfig(input, flags);
  } catch (e) {
    if (e instanceof ConfigError) refuse(e);
    throw e;
  }
  let config: ServerConfig = loaded.config;
  const log = createLogger(config.log.level);
  installCrashLog(log);
  log.info({
    event: 'start', mode: config.mode, file: loaded.file, settings: redact(diffFromDefaults(config)), sources: loaded.sources,
  }, `rtmp-server ${VERSION} starting as ${config.mode}`);
  for (const w of loaded.warnings) log.warn({ event: 'config-warning' }, w);

  const app = createMediaApp(config, log);
  const lifecycle = new Lifecycle({ app, settings: () => config.lifecycle, log, exit: (code) => process.exit(code) });
  const api = await startApiServer({ hub: app.hub, config: () => config, lifecycle, log }, config.api.port);
  lifecycle.onExit(() => api.close());
  await app.listen();
  lifecycle.markListening();
  log.info({
    event: 'listening', rtmp: config.rtmp.port, http: config.http.port, api: api.port,
  }, `listening: rtmp ${config.rtmp.port}, http ${config.http.port}, api ${api.port}`);

  if (loaded.file) {
    const file = loaded.file;
    const watch = watchConfigFile(file, () => {
      config = reloadConfig(config, () => loadConfig(input, flags).config, app, log) ?? config;
    }, log);
    lifecycle.onExit(() => watch.close());
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => lifecycle.handleSignal(signal));
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

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`rtmp-server: cannot start: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
