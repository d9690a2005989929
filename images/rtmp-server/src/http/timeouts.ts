/**
 * Bounds on what a client may take to send its request, for both HTTP listeners (media and API). Node's defaults
 * (60 s for headers, 300 s for a request, checked every 30 s) let half-sent requests hold sockets for a minute
 * or more; a player or a probe sends a few header lines at once. Only the request is bounded: a response (an
 * HTTP-FLV stream, a segment to a slow reader) runs as long as it needs.
 */
import type * as http from 'node:http';
import type { HttpConfig } from '../../../../lib/server-config';

/** How often Node checks the bounds (its default, 30 s, would let a 10 s bound run to 40 s). Fixed at creation. */
export const TIMEOUT_OPTIONS: http.ServerOptions = { connectionsCheckingInterval: 1000 };

/** Applies the configured bounds (at start and on reload: Node reads them at each check). */
export function applyTimeouts(server: http.Server, c: HttpConfig): void {
  server.headersTimeout = c.headersTimeoutSeconds * 1000;
  server.requestTimeout = c.requestTimeoutSeconds * 1000;
  server.keepAliveTimeout = c.keepAliveTimeoutSeconds * 1000;
}
