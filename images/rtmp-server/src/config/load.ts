// Loads the server config: defaults < file < environment < flags, validated as a whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVER_CONFIG_PATH, ServerConfig } from '../../../../lib/server-config';
import { readEnv } from './env';
import { readConfigFile } from './file';
import { ParsedFlags, parseFlags } from './flags';
import { withUsableHlsDir } from './hls-dir';
import { ConfigLayer, emptyLayer, mergeLayers } from './layer';
import { validateConfig } from './validate';

export interface LoadedConfig {
  readonly config: ServerConfig;
  /** The file read (absolute), or null when running on defaults + env + flags only. */
  readonly file: string | null;
  /** Dotted field path → where its value came from (fields absent here are defaults). */
  readonly sources: Record<string, string>;
  /** Non-fatal findings to log once a logger exists. */
  readonly warnings: string[];
}

export interface LoadInput {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** Which file to read: `--config`, else SERVER_CONFIG_PATH if it exists (the image), else none. */
export function configFileOf(flags: ParsedFlags): string | null {
  if (flags.configPath !== undefined) return path.resolve(flags.configPath);
  return fs.existsSync(SERVER_CONFIG_PATH) ? SERVER_CONFIG_PATH : null;
}

/** Throws ConfigError (exit 2) when a layer cannot be read or the result is invalid. */
export function loadConfig(input: LoadInput, flags: ParsedFlags = parseFlags(input.argv)): LoadedConfig {
  const file = configFileOf(flags);
  const fileLayer: ConfigLayer = file ? readConfigFile(file) : emptyLayer();
  const env = readEnv(input.env);
  const merged = mergeLayers([fileLayer, env, flags]);
  const valid = validateConfig(merged);
  // Only without any config file (npm run server): with one (the image, Kubernetes) a bad volume must show.
  const { config, warning } = file ? { config: valid, warning: null } : withUsableHlsDir(valid, merged.sources);
  return { config, file, sources: merged.sources, warnings: warning ? [...env.warnings, warning] : env.warnings };
}
