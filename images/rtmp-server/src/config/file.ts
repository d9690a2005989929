// The config file layer: YAML (JSON is a subset of YAML 1.2, so .json files read the same way).
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from './errors';
import { ConfigLayer, emptyLayer, isPlainObject } from './layer';

/** Reads and parses a config file; every problem becomes a ConfigError naming the file. */
export function readConfigFile(file: string): ConfigLayer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  let doc: unknown;
  try {
    // uniqueKeys (the default) makes a key given twice an error rather than a silent "last one wins".
    doc = parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError([`cannot parse ${file}: ${(e as Error).message.split('\n')[0].replace(/:$/, '')}`]);
  }
  if (doc === null || doc === undefined) return emptyLayer(); // an empty file means "all defaults"
  if (!isPlainObject(doc)) throw new ConfigError([`${file} must hold a mapping of settings (got ${typeName(doc)})`]);
  const layer = emptyLayer();
  for (const [key, value] of Object.entries(doc)) {
    layer.input[key] = value;
    layer.sources[key] = file;
    if (isPlainObject(value)) for (const field of Object.keys(value)) layer.sources[`${key}.${field}`] = file;
  }
  return layer;
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'a list' : typeof v;
}
