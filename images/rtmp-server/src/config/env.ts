// The environment layer: RTMP_SERVER_<SECTION>_<FIELD> (SCREAMING_SNAKE of the config path), typed by the schema.
import { CONFIG_FIELDS, coerce } from './fields';
import { ConfigLayer, emptyLayer, setField } from './layer';

export const ENV_PREFIX = 'RTMP_SERVER_';

/** `auth.publishSecret` → `RTMP_SERVER_AUTH_PUBLISH_SECRET`. */
export function envName(path: string): string {
  return ENV_PREFIX + path.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/**
 * Reads the overrides for every schema field; other RTMP_SERVER_* variables are ignored.
 * Kubernetes service links inject `<SERVICE>_PORT=tcp://ip:port` for every Service in the namespace, and a
 * Service named e.g. `rtmp-server-api` yields `RTMP_SERVER_API_PORT=tcp://...`: such values are skipped with
 * a warning instead of failing the start (the constructs also set enableServiceLinks: false).
 */
export function readEnv(env: NodeJS.ProcessEnv): ConfigLayer & { warnings: string[] } {
  const layer = emptyLayer();
  const warnings: string[] = [];
  for (const field of CONFIG_FIELDS) {
    const name = envName(field.path);
    const raw = env[name];
    if (raw === undefined) continue;
    if (/^(tcp|udp):\/\//.test(raw) && field.schema.type !== 'string') {
      warnings.push(`ignoring ${name}=${raw}: looks like a Kubernetes service link, not a ${field.path} value`);
      continue;
    }
    setField(layer, field.path, coerce(raw, field.schema), `env ${name}`);
  }
  return { ...layer, warnings };
}
