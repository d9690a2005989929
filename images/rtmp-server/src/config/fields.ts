// The config fields as the schema declares them: env names and flag values are typed from this list,
// so lib/server-config.ts stays the only place a field or its type is written down.
import { SERVER_CONFIG_SCHEMA } from '../../../../lib/server-config';

/** The subset of JSON Schema the config schema uses for a leaf field. */
export interface FieldSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly items?: object;
}

/** One leaf of the config: `mode` or `section.field`. */
export interface ConfigField {
  /** Dotted path, e.g. `auth.publishSecret`. */
  readonly path: string;
  readonly section: string | null;
  readonly name: string;
  readonly schema: FieldSchema;
}

const top = SERVER_CONFIG_SCHEMA.properties as Record<string, FieldSchema & { properties?: Record<string, FieldSchema> }>;

/** Every leaf field of the schema, in schema order. */
export const CONFIG_FIELDS: readonly ConfigField[] = Object.entries(top).flatMap(([key, s]): ConfigField[] =>
  s.properties
    ? Object.entries(s.properties).map(([name, schema]) => ({ path: `${key}.${name}`, section: key, name, schema }))
    : [{ path: key, section: null, name: key, schema: s }],
);

export function fieldByPath(path: string): ConfigField | undefined {
  return CONFIG_FIELDS.find((f) => f.path === path);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Turns a string from the environment or the command line into the schema's type. A string that does not
 * fit stays a string, so validation reports it as `must be integer (got "abc")` instead of guessing.
 */
export function coerce(raw: string, schema: FieldSchema): unknown {
  const v = raw.trim();
  switch (schema.type) {
    case 'integer':
    case 'number':
      return NUMBER.test(v) ? Number(v) : raw;
    case 'boolean':
      if (TRUE.has(v.toLowerCase())) return true;
      if (FALSE.has(v.toLowerCase())) return false;
      return raw;
    case 'array':
      return v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return raw;
  }
}
