/**
 * HLS files on the HTTP media port: `GET/HEAD /{app}/{stream}.m3u8` and `/{app}/{stream}-{seq}.ts` from the HLS
 * directory (the same files nginx serves in OriginWithNginx).
 *
 * Paths are checked twice: the decoded app and file names must be plain names (no `..`, `/`, `\`, NUL,
 * non-ASCII), and the file's real path (symlinks resolved) must lie inside the real HLS directory.
 * Segments are served from memory when the server has a SegmentMemory (read once, the same Buffer to every player),
 * else streamed from an open file descriptor. A player's playlist is read whole (it is small) to add the player's `hls_ctx` to its segment URLs (src/hls/hls-ctx); a request
 * from an edge or peer (marked with PROXIED_HEADER) gets the file as written and is not counted as a viewer.
 */
import { promises as fsp } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { isInside } from './paths';
import { isValidName } from '../hub/stream-names';
import { clientAddress, ctxFor, ctxOf, targetDurationOf, withCtx } from './hls-ctx';
import type { HlsHttpStats } from './http-stats';
import { PROXIED_HEADER } from './proxy';
import type { SegmentMemory } from './segment-memory';
import type { HlsViewers } from './viewers';

/** What serving counts: requests answered (for /metrics) and viewer sessions (for the API); segments kept in memory. */
export interface HlsFileCounters {
  readonly stats?: HlsHttpStats;
  readonly viewers?: HlsViewers | null;
  /** Serve segments from memory (read once, the same Buffer to every player) instead of a file stream each. */
  readonly memory?: SegmentMemory;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_TYPE = 'video/mp2t';
/** Segment names never repeat (sequence numbers start at the wall clock), so caches may keep them. */
const SEGMENT_CACHE = 'public, max-age=86400';

/**
 * Answers `req` if its path ends in `.m3u8` or `.ts` and returns true (400 for a path that is not a plain
 * `/{app}/{file}`, 404 if missing, 405 for other methods); returns false for any other path so the caller
 * can route on. `cors` is the Access-Control-Allow-Origin value ('' sends none).
 */
export function serveHlsFile(
  req: http.IncomingMessage, res: http.ServerResponse, hlsDir: string, cors = '*',
  /** Called instead of the 404 when the file is not here; returns true if it answered (the cluster's HLS proxy). */
  onMissing?: () => boolean,
  counters: HlsFileCounters = {},
): boolean {
  const rawPath = (req.url ?? '/').split('?')[0];
  const ext = /\.(m3u8|ts)$/i.exec(rawPath)?.[1]?.toLowerCase();
  if (!ext) return false;
  const base: http.OutgoingHttpHeaders = { 'X-Content-Type-Options': 'nosniff' };
  if (cors) base['Access-Control-Allow-Origin'] = cors;

  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...base, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Max-Age': '86400' });
    res.end();
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, base, { Allow: 'GET, HEAD, OPTIONS' });
  const rel = hlsRelPath(rawPath);
  if (!rel) return reply(res, 400, base);

  void send(req, res, path.resolve(hlsDir), rel, ext === 'm3u8', base, counters).catch(() => {
    if (res.headersSent) res.destroy();
    else if (!onMissing?.()) reply(res, 404, base);
  });
  return true;
}

/** `app/file` from a raw URL path, or null unless it is exactly two safe names. */
function hlsRelPath(rawPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  const parts = decoded.split('/');
  if (parts.length !== 3 || parts[0] !== '') return null;
  const [, app, file] = parts;
  return isValidName(app) && isValidName(file) ? `${app}/${file}` : null;
}

async function send(
  req: http.IncomingMessage, res: http.ServerResponse, root: string, rel: string, playlist: boolean,
  base: http.OutgoingHttpHeaders, counters: HlsFileCounters,
): Promise<void> {
  const realRoot = await fsp.realpath(root);
  const real = await fsp.realpath(path.join(root, rel)); // ENOENT → 404
  if (!isInside(realRoot, real)) throw new Error('outside the HLS directory');
  const fh = await fsp.open(real, 'r');
  const viewers = req.headers[PROXIED_HEADER] ? null : counters.viewers ?? null;
  let body: Buffer | null = null;
  let size: number;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
    if (playlist && viewers) {
      body = withCtx(await fh.readFile(), ctxFor(req));
      size = body.length;
    } else if (!playlist && counters.memory && req.method !== 'HEAD') {
      body = await counters.memory.get(real, st.size, st.mtimeMs, () => fh.readFile());
      size = body.length;
    }
    if (counters.stats) counters.stats.requests[playlist ? 'playlist' : 'segment']++;
    res.writeHead(200, {
      ...base,
      'Content-Type': playlist ? PLAYLIST_TYPE : SEGMENT_TYPE,
      'Content-Length': size,
      'Cache-Control': playlist ? 'no-cache' : SEGMENT_CACHE,
      'Last-Modified': st.mtime.toUTCString(),
    });
  } catch (e) {
    await fh.close();
    throw e;
  }
  // No body for HEAD, nor for a player that left while the file was looked up: its response has already
  // closed, so a pipe into it would stall for good and never close the file.
  if (req.method === 'HEAD' || res.destroyed) {
    await fh.close();
    res.end();
    return;
  }
  if (viewers) {
    const [app, file] = rel.split('/');
    const stream = playlist ? file.slice(0, -'.m3u8'.length) : file.replace(/-\d+\.ts$/i, '');
    if (playlist && body) {
      const td = targetDurationOf(body);
      if (td) viewers.setTargetDuration(app, stream, td);
    }
    viewers.touch(app, stream, playlist ? ctxFor(req) : ctxOf(req.url ?? ''), clientAddress(req), size);
  }
  if (body) {
    await fh.close();
    res.end(body);
    return;
  }
  // The stream owns the descriptor now and closes it at the end or on error (a player that went away).
  const stream = fh.createReadStream();
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

function reply(res: http.ServerResponse, status: number, base: http.OutgoingHttpHeaders, extra: http.OutgoingHttpHeaders = {}): true {
  res.writeHead(status, { ...base, ...extra, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status === 400 ? 'bad request' : status === 404 ? 'not found' : 'method not allowed'}\n`);
  return true;
}
