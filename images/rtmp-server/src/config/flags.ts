// The command-line layer (node:util parseArgs: built in, strict about unknown flags).
import { parseArgs } from 'node:util';
import { ConfigError } from './errors';
import { coerce, fieldByPath } from './fields';
import { ConfigLayer, emptyLayer, setField } from './layer';

/** Each flag that sets a config field, and the field it sets. Lists take `HOST:PORT[,HOST:PORT...]`. */
export const FLAG_FIELDS: Readonly<Record<string, string>> = {
  mode: 'mode',
  origin: 'edge.origins',
  'origin-http': 'edge.originsHttp',
  'relay-targets': 'relay.targets',
  peers: 'cluster.peers',
  'rtmp-port': 'rtmp.port',
  'http-port': 'http.port',
  'api-port': 'api.port',
  'hls-dir': 'hls.dir',
  'log-level': 'log.level',
};

export interface ParsedFlags extends ConfigLayer {
  /** `--config FILE`, if given. */
  readonly configPath?: string;
  readonly help: boolean;
  readonly version: boolean;
}

export const USAGE = `usage: rtmp-server [--config FILE] [--mode origin|edge|relay] [--origin HOST:PORT[,HOST:PORT...]]
                   [--origin-http HOST:PORT[,...]]
                   [--relay-targets HOST:PORT[,...]] [--peers HOST:PORT[,...]] [--rtmp-port N] [--http-port N]
                   [--api-port N] [--hls-dir DIR] [--log-level debug|info|warn|error] [--version] [--help]
Precedence: defaults < config file < RTMP_SERVER_<SECTION>_<FIELD> environment < flags.`;

export function parseFlags(argv: readonly string[]): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    config: { type: 'string' },
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  for (const flag of Object.keys(FLAG_FIELDS)) options[flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError([`${(e as Error).message.split('\n')[0]}\n${USAGE}`]);
  }
  const layer = emptyLayer();
  for (const [flag, path] of Object.entries(FLAG_FIELDS)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    setField(layer, path, coerce(raw, fieldByPath(path)!.schema), `--${flag}`);
  }
  return {
    ...layer,
    configPath: typeof values.config === 'string' ? values.config : undefined,
    help: values.help === true,
    version: values.version === true,
  };
}
