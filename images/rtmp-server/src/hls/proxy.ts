/**
 * HLS through any server of an origin cluster: a `GET/HEAD /{app}/{stream}.m3u8` or `/{app}/{stream}-{seq}.ts`
 * that this server cannot answer from its own HLS directory is proxied to the origin that holds the stream
 * (found with the peers' /api/v1/clusters, cached briefly by the StreamLocator). The body is streamed
 * through, not buffered; connecting and the first byte are bounded by a timeout, as is a stalled body.
 * The proxied request carries a marker header, and a request with that marker is never proxied again
 * (an origin whose files are not written yet answers 404 instead of bouncing the request around).
 * Playlists refer to segments by relative name, so they pass through unchanged.
 */
import * as http from 'node:http';
import type { StreamLocator } from '../cluster/stream-locator';
import { splitHostPort } from '../discovery/resolver';
import { isValidName } from '../hub/stream-names';
import type { Logger } from '../log';

export const PROXIED_HEADER = 'x-rtmp-server-proxied';
const TIMEOUT_MS = 5000;
/** Upstream headers worth passing on to the player. */
const PASS_HEADERS = ['content-type', 'content-length', 'cache-control', 'last-modified', 'etag'];

/** `{app, stream}` from an HLS path, or null if it is not one (or not a safe name). */
export function hlsTarget(rawPath: string): { app: string; stream: string } | null {
  const m = /^\/([^/]+)\/([^/]+?)(?:\.m3u8|-\d{1,20}\.ts)$/.exec(rawPath);
  if (!m) return null;
  let app: string, stream: string;
  try {
    [app, stream] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
  } catch {
    return null;
  }
  return isValidName(app) && isValidName(stream) ? { app, stream } : null;
}

export type HlsProxy = (req: http.IncomingMessage, res: http.ServerResponse, cors: string) => boolean;

/**
 * A handler that proxies `req` if it is an HLS path worth proxying and returns true; false leaves the request
 * to the caller (not HLS, already proxied once, or not GET/HEAD).
 */
export function createHlsProxy(locator: StreamLocator, log: Logger): HlsProxy {
  return (req, res, cors) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers[PROXIED_HEADER]) return false;
    const rawPath = (req.url ?? '/').split('?')[0];
    const target = hlsTarget(rawPath);
    if (!target) return false;
    const fail = (status: number, why: string) => {
      if (res.headersSent) { res.destroy(); return; }
      const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' };
      if (cors) headers['Access-Control-Allow-Origin'] = cors;
      res.writeHead(status, headers).end(`${why}\n`);
    };
    void locator.locate(target.app, target.stream).then((holder) => {
      // The player may have left during the lookup: then there is nobody to proxy for.
      if (res.destroyed) return;
      const hp = holder ? splitHostPort(holder.http) : null;
      if (!hp) return fail(404, 'not found');
      const up = http.request({
        host: hp.host, port: hp.port, method: req.method, path: rawPath, timeout: TIMEOUT_MS,
        headers: { [PROXIED_HEADER]: '1', 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      }, (upRes) => {
        const status = upRes.statusCode ?? 502;
        if (status >= 400 || status < 100) locator.forget(target.app, target.stream);
        if (status < 100) {
          // A status no response can carry (a broken upstream's 0xx): writeHead would throw out of this handler.
          upRes.destroy();
          return fail(502, 'bad gateway');
        }
        const headers: http.OutgoingHttpHeaders = {};
        for (const h of PASS_HEADERS) if (upRes.headers[h] !== undefined) headers[h] = upRes.headers[h];
        if (cors) headers['Access-Control-Allow-Origin'] = cors;
        res.writeHead(status, headers);
        upRes.pipe(res);
        upRes.on('error', () => res.destroy());
      });
      up.on('timeout', () => up.destroy(new Error('upstream timeout')));
      up.on('error', (e) => {
        locator.forget(target.app, target.stream);
        log.warn({ event: 'hls-proxy-error', app: target.app, stream: target.stream, upstream: holder!.http, err: e.message }, 'HLS proxy failed');
        fail(502, 'bad gateway');
      });
      res.on('close', () => up.destroy());
      up.end();
    }, () => fail(502, 'bad gateway'));
    return true;
  };
}
