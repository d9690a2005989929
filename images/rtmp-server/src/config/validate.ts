// Validation of the merged layers: the JSON Schema (ajv) for each field, then the cross-field checks.
// Both come from lib/server-config.ts; this file only turns their findings into messages naming the field.
import Ajv, { ErrorObject } from 'ajv';
import {
  checkServerConfig, resolveServerConfig, SERVER_CONFIG_SCHEMA, ServerConfig, ServerConfigInput,
} from '../../../../lib/server-config';
import { ConfigError } from './errors';
import { ConfigLayer } from './layer';

// ajv: the standard JSON Schema validator; the schema is plain data so the construct library needs no runtime dep.
const validateSchema = new Ajv({ allErrors: true, strict: false }).compile(SERVER_CONFIG_SCHEMA);

/** Fields whose values never appear in messages or logs. */
const SECRET_SECTIONS = ['auth', 'forward'];

/** Validates a merged layer and fills the defaults; throws a ConfigError listing every problem. */
export function validateConfig(merged: ConfigLayer): ServerConfig {
  if (!validateSchema(merged.input)) {
    const problems = (validateSchema.errors ?? []).map((e) => describe(e, merged));
    throw new ConfigError([...new Set(problems)]);
  }
  const config = resolveServerConfig(merged.input as ServerConfigInput);
  const cross = checkServerConfig(config);
  if (cross.length > 0) throw new ConfigError(cross.map((msg) => msg + fromOf(mentionedFields(msg), merged)));
  return config;
}

function describe(e: ErrorObject, merged: ConfigLayer): string {
  const segments = e.instancePath.split('/').slice(1);
  const fieldPath = segments.filter((s) => !/^\d+$/.test(s)).join('.');
  const shown = segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : (i > 0 ? '.' : '') + s)).join('');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    const where = fieldPath ? `${fieldPath}.${extra}` : extra;
    return `${where} is not a known setting${knownHint(fieldPath)}${fromOf([where], merged)}`;
  }
  const name = shown || '(config)';
  return `${name} ${message(e)} (got ${shownValue(valueAt(merged.input, segments), fieldPath)})${fromOf([fieldPath], merged)}`;
}

function message(e: ErrorObject): string {
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'pattern') return 'must be HOST:PORT';
  return e.message ?? e.keyword;
}

function knownHint(section: string): string {
  const props = section
    ? (SERVER_CONFIG_SCHEMA.properties as Record<string, { properties?: object }>)[section]?.properties
    : SERVER_CONFIG_SCHEMA.properties;
  return props ? ` (known: ${Object.keys(props).join(', ')})` : '';
}

function valueAt(root: unknown, segments: string[]): unknown {
  let v = root;
  for (const s of segments) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

function shownValue(v: unknown, fieldPath: string): string {
  if (SECRET_SECTIONS.includes(fieldPath.split('.')[0])) return `a ${Array.isArray(v) ? 'list' : typeof v}`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** `section.field` names a message mentions. */
function mentionedFields(msg: string): string[] {
  const fields = [...msg.matchAll(/\b([a-z]+\.[a-zA-Z]+)\b/g)].map((m) => m[1]);
  return /\bmode\b/.test(msg) ? [...fields, 'mode'] : fields;
}

/** ` [from X, Y]` for the fields whose values came from a file, env var or flag; '' for defaults. */
function fromOf(paths: string[], merged: ConfigLayer): string {
  const found = new Set<string>();
  for (const p of paths) {
    const src = merged.sources[p] ?? merged.sources[p.split('.')[0]];
    if (src) found.add(src);
  }
  return found.size ? ` [from ${[...found].join(', ')}]` : '';
}
