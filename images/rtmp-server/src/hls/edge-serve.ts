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

/** Parsed keys of recent valid paths: every player asks for the same few, so most requests skip the parse. */
const parsed = new Map<string, HlsKey>();
const PARSED_MAX = 4096;

/** `{app, stream, playlist}` and the canonical path, or null unless the path is exactly `/{app}/{stream}.m3u8|-{seq}.ts`. */
export function parseHlsPath(rawPath: string): HlsKey | null {
  const known = parsed.get(rawPath);
  if (known) return known;
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
  const key = { app, stream, playlist, path: `/${app}/${stream}${playlist ? '.m3u8' : `-${m[4]}.ts`}` };
  // Only valid keys are kept, and the map is emptied when full: hostile paths cannot grow it.
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(rawPath, key);
  return key;
}

/**
 * The response headers of a cached object (without the per-viewer playlist length), built once per object and
 * CORS value as the flat array `writeHead` takes: cache hits allocate no header objects.
 */
const headerCache = new WeakMap<HlsObject, { cors: string; headers: string[] }>();
function headersOf(obj: HlsObject, cors: string): string[] {
  const had = headerCache.get(obj);
  if (had && had.cors === cors) return had.headers;
  const headers = ['X-Content-Type-Options', 'nosniff', 'Content-Type', obj.contentType, 'Cache-Control', obj.cacheControl];
  if (obj.lastModified) headers.push('Last-Modified', obj.lastModified);
  if (cors) headers.push('Access-Control-Allow-Origin', cors);
  headerCache.set(obj, { cors, headers });
  return headers;
}

function text(res: http.ServerResponse, cors: string | undefined, status: number, body: string, extra: string[] = []): void {
  if (res.headersSent) { res.destroy(); return; }
  const headers = ['X-Content-Type-Options', 'nosniff', 'Content-Type', 'text/plain; charset=utf-8', 'Cache-Control', 'no-cache', ...extra];
  if (cors) headers.push('Access-Control-Allow-Origin', cors);
  res.writeHead(status, headers).end(`${body}\n`);
}

function sendObject(req: http.IncomingMessage, res: http.ServerResponse, cors: string | undefined, url: string, key: HlsKey, obj: HlsObject, viewers: HlsViewers | null): void {
  if (res.destroyed) return;
  if (obj.status === 404) return text(res, cors, 404, 'not found');
  let body = obj.body;
  const ctx = key.playlist ? ctxFor(req) : ctxOf(url);
  if (key.playlist && viewers) {
    body = obj.template ? fillCtx(obj.template, ctx!) : withCtx(body, ctx!);
    if (obj.targetSeconds) viewers.setTargetDuration(key.app, key.stream, obj.targetSeconds);
  }
  // A playlist is a few hundred bytes the socket takes at once; only a segment can leave a slow reader holding it.
  if (!key.playlist) res.setTimeout(SEND_TIMEOUT_MS, () => res.destroy());
  res.writeHead(200, [...headersOf(obj, cors ?? ''), 'Content-Length', String(body.length)]);
  if (req.method === 'HEAD') { res.end(); return; }
  // The cached Buffer itself for a segment: every player is sent the same bytes, never a copy.
  res.end(body);
  viewers?.touch(key.app, key.stream, ctx, clientAddress(req), body.length);
}

export function createHlsEdgeHandler(cache: HlsEdgeCache, viewers: HlsViewers | null, log: Logger): HlsEdgeHandler {
  return (req, res, cors) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    if (!/\.(m3u8|ts)$/i.test(rawPath)) return false;
    if (req.method === 'OPTIONS') {
      const headers = ['X-Content-Type-Options', 'nosniff', 'Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS', 'Access-Control-Max-Age', '86400'];
      if (cors) headers.push('Access-Control-Allow-Origin', cors);
      res.writeHead(204, headers).end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { text(res, cors, 405, 'method not allowed', ['Allow', 'GET, HEAD, OPTIONS']); return true; }
    const key = parseHlsPath(rawPath);
    if (!key) { text(res, cors, 400, 'bad request'); return true; }
    const got = cache.get(key, () => !res.destroyed);
    if (!(got instanceof Promise)) sendObject(req, res, cors, url, key, got, viewers);
    else {
      got.then((obj) => sendObject(req, res, cors, url, key, obj, viewers), (e: Error) => {
        log.debug({ event: 'hls-edge-502', path: key.path, err: e.message }, 'HLS upstream failed');
        text(res, cors, 502, 'bad gateway');
      });
    }
    return true;
  };
}
