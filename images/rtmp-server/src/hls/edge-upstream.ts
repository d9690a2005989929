/**
 * Where the edge cache fetches HLS: the origins' HTTP listeners (EdgeCluster: `edge.originsHttp`, tried in turn
 * from the one that last answered for the stream, failing over to the others) or the origin that holds the
 * stream (OriginCluster: asked through the StreamLocator). Each fetch is bounded: connect and idle time, total
 * time and size; anything but a 200 that looks like HLS, or a 404, counts as a failure of that origin.
 */
import * as http from 'node:http';
import type { StreamLocator } from '../cluster/stream-locator';
import { splitHostPort } from '../discovery/resolver';
import type { Logger } from '../log';
import type { HlsFetcher, HlsKey, HlsObject } from './edge-cache';
import { ctxTemplate, targetDurationOf } from './hls-ctx';
import type { HlsCacheCounters } from './http-stats';
import { PROXIED_HEADER } from './proxy';

/** Which upstream addresses to try for a stream, in order, and what happened. */
export interface HlsOrigins {
  candidates(app: string, stream: string): Promise<string[]>;
  failed(app: string, stream: string, addr: string): void;
  answered(app: string, stream: string, addr: string): void;
}

export interface FetchLimits {
  /** Connect, and silence between bytes. @default 5000 */
  readonly idleMs?: number;
  /** Whole response. @default 20000 */
  readonly totalMs?: number;
  /** Largest body accepted. */
  readonly maxBytes: number;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_TYPE = 'video/mp2t';

/** Fixed origins (EdgeCluster), round-robin for a new stream, then the one that answered it last. */
export function staticOrigins(list: () => string[]): HlsOrigins {
  const sticky = new Map<string, string>();
  let next = 0;
  return {
    async candidates(app, stream) {
      const all = list();
      if (all.length === 0) return [];
      const last = sticky.get(`${app}/${stream}`);
      const start = last !== undefined && all.includes(last) ? all.indexOf(last) : next++ % all.length;
      return all.map((_, i) => all[(start + i) % all.length]);
    },
    failed(app, stream, addr) {
      if (sticky.get(`${app}/${stream}`) === addr) sticky.delete(`${app}/${stream}`);
    },
    answered(app, stream, addr) {
      if (sticky.size >= 10_000 && !sticky.has(`${app}/${stream}`)) sticky.delete(sticky.keys().next().value as string);
      sticky.set(`${app}/${stream}`, addr);
    },
  };
}

/** The holder of the stream in an origin cluster (its HTTP listener). */
export function locatorOrigins(locator: StreamLocator): HlsOrigins {
  return {
    async candidates(app, stream) {
      const h = await locator.locate(app, stream);
      return h ? [h.http] : [];
    },
    failed: (app, stream) => locator.forget(app, stream),
    answered: () => undefined,
  };
}

class UpstreamError extends Error {}

/** A fetcher for the edge cache: each candidate in turn until one answers 200; 404 if the ones that answered said so. */
export function createHlsFetcher(origins: HlsOrigins, limits: () => FetchLimits, stats: HlsCacheCounters, log: Logger): HlsFetcher {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32, maxFreeSockets: 8 });
  return async (key, wanted) => {
    const addrs = await origins.candidates(key.app, key.stream);
    let notFound: HlsObject | null = null;
    let lastError = 'no origin';
    for (const addr of addrs) {
      if (!wanted()) break;
      stats.upstreamRequests++;
      try {
        const obj = await fetchOne(agent, addr, key, limits());
        if (obj.status === 404) { notFound = obj; continue; }
        origins.answered(key.app, key.stream, addr);
        return obj;
      } catch (e) {
        stats.upstreamErrors++;
        lastError = (e as Error).message;
        origins.failed(key.app, key.stream, addr);
        log.warn({ event: 'hls-upstream-error', path: key.path, upstream: addr, err: lastError }, 'HLS upstream fetch failed');
      }
    }
    if (notFound) return notFound;
    if (addrs.length === 0) return notFoundObject();
    throw new UpstreamError(lastError);
  };
}

function notFoundObject(): HlsObject {
  return { status: 404, body: Buffer.alloc(0), contentType: 'text/plain; charset=utf-8', cacheControl: 'no-cache' };
}

function fetchOne(agent: http.Agent, addr: string, key: HlsKey, limits: FetchLimits): Promise<HlsObject> {
  const hp = splitHostPort(addr);
  if (!hp) return Promise.reject(new UpstreamError(`bad upstream address ${addr}`));
  const idleMs = limits.idleMs ?? 5000;
  return new Promise<HlsObject>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, obj?: HlsObject) => {
      if (done) return;
      done = true;
      clearTimeout(total);
      if (err) { req.destroy(); reject(err); } else resolve(obj!);
    };
    const total = setTimeout(() => finish(new UpstreamError(`no complete answer in ${limits.totalMs ?? 20000} ms`)), limits.totalMs ?? 20000);
    const req = http.request({
      host: hp.host, port: hp.port, method: 'GET', path: key.path, agent, timeout: idleMs,
      headers: { [PROXIED_HEADER]: '1' },
    }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 404) {
        res.resume();
        res.on('end', () => finish(null, notFoundObject()));
        return;
      }
      if (status !== 200) return finish(new UpstreamError(`upstream status ${status}`));
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > limits.maxBytes) return finish(new UpstreamError(`upstream body of ${declared} bytes is over ${limits.maxBytes}`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limits.maxBytes) return finish(new UpstreamError(`upstream body over ${limits.maxBytes} bytes`));
        chunks.push(c);
      });
      res.on('error', (e) => finish(new UpstreamError(e.message)));
      res.on('aborted', () => finish(new UpstreamError('upstream response cut short')));
      res.on('end', () => {
        if (done) return;
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        if (Number.isFinite(declared) && declared !== body.length) return finish(new UpstreamError('upstream response cut short'));
        const obj = toObject(key, body, res.headers);
        if (typeof obj === 'string') return finish(new UpstreamError(obj));
        finish(null, obj);
      });
    });
    req.on('timeout', () => finish(new UpstreamError(`upstream silent for ${idleMs} ms`)));
    req.on('error', (e) => finish(new UpstreamError(e.message)));
    req.end();
  });
}

/** The cached form of a 200, or why it is not HLS. */
function toObject(key: HlsKey, body: Buffer, h: http.IncomingHttpHeaders): HlsObject | string {
  const common = { status: 200 as const, body, lastModified: h['last-modified'] };
  if (key.playlist) {
    if (body.toString('latin1', 0, 7) !== '#EXTM3U') return 'upstream playlist does not start with #EXTM3U';
    const dir = key.path.slice(0, key.path.lastIndexOf('/') + 1);
    const segments = body.toString('utf8').split('\n').map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('#') && !l.includes('/') && !l.includes('?'))
      .map((l) => dir + l);
    return {
      ...common, contentType: PLAYLIST_TYPE, cacheControl: h['cache-control'] ?? 'no-cache',
      targetSeconds: targetDurationOf(body) ?? undefined, segments, template: ctxTemplate(body),
    };
  }
  if (body.length === 0 || body[0] !== 0x47) return 'upstream segment is not MPEG-TS';
  return { ...common, contentType: SEGMENT_TYPE, cacheControl: h['cache-control'] ?? 'public, max-age=86400' };
}
