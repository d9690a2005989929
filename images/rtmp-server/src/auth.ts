/**
 * Publish and play authentication (off while the settings are empty, like SRS):
 * - publish: `?secret=S`, or a signed URL `?expires=UNIX&sign=hex(HMAC_SHA256(S, "/app/stream:expires"))`
 *   that is refused once `expires` has passed;
 * - play: `?key=K`.
 * Each check returns null when allowed, or the reason it refused (for the log line).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../../../lib/server-config';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The signature a signed publish URL carries. */
export function signPublish(secret: string, app: string, stream: string, expires: number): string {
  return createHmac('sha256', secret).update(`/${app}/${stream}:${expires}`).digest('hex');
}

export function checkPublish(
  auth: AuthConfig, app: string, stream: string, query: URLSearchParams, nowMs = Date.now(),
): string | null {
  if (!auth.publishSecret) return null;
  const secret = query.get('secret');
  if (secret !== null) return same(secret, auth.publishSecret) ? null : 'bad publish secret';
  const expires = query.get('expires');
  const sign = query.get('sign');
  if (expires === null || sign === null) return 'publish secret required';
  if (!/^\d{1,12}$/.test(expires)) return 'bad expires';
  if (Number(expires) * 1000 < nowMs) return 'signed URL expired';
  return same(sign.toLowerCase(), signPublish(auth.publishSecret, app, stream, Number(expires))) ? null : 'bad signature';
}

export function checkPlay(auth: AuthConfig, query: URLSearchParams): string | null {
  if (!auth.playKey) return null;
  const key = query.get('key');
  if (key === null) return 'play key required';
  return same(key, auth.playKey) ? null : 'bad play key';
}

/** Merges the query of the RTMP app (`live?x=1`) and of the stream name (`s?y=2`); the stream's wins. */
export function mergeQueries(...qs: URLSearchParams[]): URLSearchParams {
  const out = new URLSearchParams();
  for (const q of qs) for (const [k, v] of q) out.set(k, v);
  return out;
}
