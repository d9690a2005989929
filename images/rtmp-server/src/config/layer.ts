// A config layer (file, environment or flags): a partial config plus where each of its values came from.
export interface ConfigLayer {
  /** The values this layer sets (missing fields are left to lower layers and the defaults). */
  readonly input: Record<string, unknown>;
  /** Dotted field path → where its value came from, e.g. `env RTMP_SERVER_RTMP_PORT`. */
  readonly sources: Record<string, string>;
}

export function emptyLayer(): { input: Record<string, unknown>; sources: Record<string, string> } {
  return { input: {}, sources: {} };
}

/** Sets `path` (`mode` or `section.field`) in a layer. */
export function setField(layer: ReturnType<typeof emptyLayer>, path: string, value: unknown, source: string): void {
  const [section, field] = path.split('.');
  if (field === undefined) {
    layer.input[section] = value;
  } else {
    const cur = layer.input[section];
    const obj = isPlainObject(cur) ? cur : {};
    obj[field] = value;
    layer.input[section] = obj;
  }
  layer.sources[path] = source;
}

/** Stacks layers, later ones winning field by field (arrays are replaced, not merged). */
export function mergeLayers(layers: readonly ConfigLayer[]): ConfigLayer {
  const input: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.input)) {
      const prev = input[key];
      const bothObjects = isPlainObject(prev) && isPlainObject(value);
      input[key] = bothObjects ? { ...(prev as object), ...(value as object) } : value;
    }
    Object.assign(sources, layer.sources);
  }
  return { input, sources };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
