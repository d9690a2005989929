/**
 * HLS on an edge's HTTP port (and on an origin-cluster origin for streams another origin holds):
 * `GET/HEAD /{app}/{stream}.m3u8` and `/{app}/{stream}-{seq}.ts` answered from the edge cache.
 *
 * Only a plain path whose names pass the stream-name check is ever looked up upstream (400 otherwise), so
 * `..`, encoded slashes and long names never leave the edge. Every player of a segment is sent the same cached
 * Buffer; a playlist is copied per player only to add its `hls_ctx` to the segment URLs.
 */
import type * as http from 'node:http';
import { isValidName } from '../hub/stream-names';
import type { Logger } from '../log';
import type { HlsEdgeCache, HlsKey, HlsObject } from './edge-cache';
import type { HlsProxy } from './proxy';
import { clientAddress, ctxFor, ctxOf, fillCtx, withCtx } from './hls-ctx';
import type { HlsViewers } from './viewers';

/** Longest request path considered (names are at most 128 characters each). */
const MAX_PATH = 300;
/** A player that takes longer than this to take one response is cut off (its socket, nobody else's). */
const SEND_TIMEOUT_MS = 30_000;

export type HlsEdgeHandler = HlsProxy;

/** `{app, stream, playlist}` and the canonical path, or null unless the path is exactly `/{app}/{stream}.m3u8|-{seq}.ts`. */
export function parseHlsPath(rawPath: string): HlsKey | null {
  if (rawPath.length > MAX_PATH) return null;
  const m = /^\/([^/]+)\/([^/]+?)(\.m3u8|-(\d{1,20})\.ts)$/.exec(rawPath);
  if (!m) return null;
  let app: string, stream: string;
  try {
    [app, stream] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
  } catch {
    return null;
  }
  if (!isValidName(app) || !isValidName(stream)) return null;
  const playlist = m[3] === '.m3u8';
  return { app, stream, playlist, path: `/${app}/${stream}${playlist ? '.m3u8' : `-${m[4]}.ts`}` };
}

export function createHlsEdgeHandler(cache: HlsEdgeCache, viewers: HlsViewers | null, log: Logger): HlsEdgeHandler {
  return (req, res, cors) => {
    const url = req.url ?? '/';
    const rawPath = url.split('?')[0];
    if (!/\.(m3u8|ts)$/i.test(rawPath)) return false;
    const base: http.OutgoingHttpHeaders = { 'X-Content-Type-Options': 'nosniff' };
    if (cors) base['Access-Control-Allow-Origin'] = cors;
    const text = (status: number, body: string, extra: http.OutgoingHttpHeaders = {}) => {
      if (res.headersSent) { res.destroy(); return; }
      res.writeHead(status, { ...base, ...extra, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' }).end(`${body}\n`);
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...base, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Max-Age': '86400' }).end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { text(405, 'method not allowed', { Allow: 'GET, HEAD, OPTIONS' }); return true; }
    const key = parseHlsPath(rawPath);
    if (!key) { text(400, 'bad request'); return true; }

    const send = (obj: HlsObject) => {
      if (res.destroyed) return;
      if (obj.status === 404) return text(404, 'not found');
      let body = obj.body;
      const ctx = key.playlist ? ctxFor(req) : ctxOf(url);
      if (key.playlist && viewers) {
        body = obj.template ? fillCtx(obj.template, ctx!) : withCtx(body, ctx!);
        if (obj.targetSeconds) viewers.setTargetDuration(key.app, key.stream, obj.targetSeconds);
      }
      const headers: http.OutgoingHttpHeaders = {
        ...base, 'Content-Type': obj.contentType, 'Content-Length': body.length, 'Cache-Control': obj.cacheControl,
      };
      if (obj.lastModified) headers['Last-Modified'] = obj.lastModified;
      res.setTimeout(SEND_TIMEOUT_MS, () => res.destroy());
      res.writeHead(200, headers);
      if (req.method === 'HEAD') { res.end(); return; }
      // The cached Buffer itself for a segment: every player is sent the same bytes, never a copy.
      res.end(body);
      viewers?.touch(key.app, key.stream, ctx, clientAddress(req), body.length);
    };
    const got = cache.get(key, () => !res.destroyed);
    if (!(got instanceof Promise)) send(got);
    else {
      got.then(send, (e: Error) => {
        log.debug({ event: 'hls-edge-502', path: key.path, err: e.message }, 'HLS upstream failed');
        text(502, 'bad gateway');
      });
    }
    return true;
  };
}
