import { createHash } from 'crypto';

/** Pod-template annotation carrying the config's hash: a config change changes the template, which rolls the pods. */
export const CONFIG_HASH_ANNOTATION = 'rtmp-k8s.io/config-sha256';
/** The same for the nginx sidecar's config. */
export const NGINX_CONFIG_HASH_ANNOTATION = 'rtmp-k8s.io/nginx-config-sha256';

/** sha256 of a config file's content, hex. */
export function configHash(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}
