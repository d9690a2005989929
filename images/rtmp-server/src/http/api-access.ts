/**
 * Who may do what through the API from where. Reading (GET) is open to every web page, so the player page on
 * the media port can list live streams; kicking (DELETE) is off unless `api.allowKick` or `api.token` turns it
 * on, needs the token when one is set, and is offered by CORS only to the pages of `api.corsOrigins`. Without
 * that, any page a viewer opened could list the clients and DELETE each one.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiConfig } from '../../../../lib/server-config';

/** CORS headers of every API response, by the request's `Origin`. */
export function corsHeaders(origin: string | undefined, api: ApiConfig): Record<string, string> {
  if (origin !== undefined && api.corsOrigins.includes(origin)) {
    return {
      'Access-Control-Allow-Origin': origin, Vary: 'Origin',
      'Access-Control-Allow-Methods': 'GET, HEAD, DELETE, OPTIONS', 'Access-Control-Allow-Headers': 'Authorization',
    };
  }
  return { 'Access-Control-Allow-Origin': '*', Vary: 'Origin', 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS' };
}

export interface Refusal { readonly status: number; readonly error: string; readonly headers?: Record<string, string> }

/** Why this kick request is refused, or null when it may go ahead. */
export function kickRefusal(headers: IncomingHttpHeaders, api: ApiConfig): Refusal | null {
  // Browsers always send Origin on a DELETE; programs (curl, operators' scripts) normally send none.
  const origin = headers.origin;
  if (origin !== undefined && !api.corsOrigins.includes(origin)) {
    return { status: 403, error: `web origin ${origin.slice(0, 200)} may not kick clients (not in api.corsOrigins)` };
  }
  if (api.token) {
    if (bearerMatches(headers.authorization, api.token)) return null;
    return { status: 401, error: 'kicking needs Authorization: Bearer <api.token>', headers: { 'WWW-Authenticate': 'Bearer' } };
  }
  if (!api.allowKick) return { status: 403, error: 'kicking is disabled (api.allowKick: false and no api.token)' };
  return null;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1].trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
