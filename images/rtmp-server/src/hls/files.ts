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
import { clientAddress, ctxFor, ctxOf, fillCtx } from './hls-ctx';
import { HlsFileFound, HlsFileLookups, withPlaylist } from './file-lookups';
import { livePlaylists } from './playlist-memory';
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

  const root = path.resolve(hlsDir);
  if (sendKnown(req, res, root, rel, ext === 'm3u8', base, counters)) return true;
  void send(req, res, root, rel, ext === 'm3u8', base, counters).catch(() => {
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

/** Lookups of files served from memory (origins with a SegmentMemory), reused for a moment (file-lookups.ts). */
const lookups = new HlsFileLookups();

/** The body for a found file from memory: the playlist's bytes, none for HEAD, a segment's if in memory (else undefined). */
function bodyInMemory(req: http.IncomingMessage, found: HlsFileFound, memory: SegmentMemory): Buffer | null | undefined {
  if (found.playlist) return found.playlist.raw;
  return req.method === 'HEAD' ? null : memory.peek(found.real, found.size, found.mtimeMs);
}

/**
 * Answers at once, with no promise, for a playlist this process writes (from memory) or when a lookup found the
 * file a moment ago and its bytes are in memory.
 */
function sendKnown(
  req: http.IncomingMessage, res: http.ServerResponse, root: string, rel: string, playlist: boolean,
  base: http.OutgoingHttpHeaders, counters: HlsFileCounters,
): boolean {
  const viewers = req.headers[PROXIED_HEADER] ? null : counters.viewers ?? null;
  const live = playlist ? livePlaylists.get(root, rel) : undefined;
  if (live) {
    respond(req, res, rel, playlist, base, counters, viewers, live, live.playlist!.raw);
    return true;
  }
  const memory = counters.memory;
  const found = memory ? lookups.get(root, rel) : undefined;
  if (!found) return false;
  const body = bodyInMemory(req, found, memory!);
  if (body === undefined) return false;
  respond(req, res, rel, playlist, base, counters, viewers, found, body);
  return true;
}

async function send(
  req: http.IncomingMessage, res: http.ServerResponse, root: string, rel: string, playlist: boolean,
  base: http.OutgoingHttpHeaders, counters: HlsFileCounters,
): Promise<void> {
  const viewers = req.headers[PROXIED_HEADER] ? null : counters.viewers ?? null;
  const memory = counters.memory;
  if (memory) {
    // Found a moment ago (its segment no longer in memory), else one lookup shared by the requests meanwhile.
    const found = lookups.get(root, rel) ?? await lookups.lookUp(root, rel, () => lookUp(root, rel, playlist, memory));
    const body = bodyInMemory(req, found, memory) ?? await memory.get(found.real, found.size, found.mtimeMs, () => fsp.readFile(found.real));
    return respond(req, res, rel, playlist, base, counters, viewers, found, body);
  }
  const { fh, found } = await open(root, rel);
  let body: Buffer | null = null;
  try {
    if (playlist && viewers) body = await fh.readFile();
  } catch (e) {
    await fh.close();
    throw e;
  }
  if (body || req.method === 'HEAD' || res.destroyed) {
    await fh.close();
    return respond(req, res, rel, playlist, base, counters, viewers, body ? withPlaylist(found, body) : found, body);
  }
  // The file is streamed, and the stream owns the descriptor (closes it at the end or on error).
  writeHead(res, playlist, base, counters, found, found.size);
  touch(req, rel, playlist, viewers, null, found.size);
  const stream = fh.createReadStream();
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

/** The file, checked to lie inside the HLS directory (symlinks resolved), open, with what fstat says. */
async function open(root: string, rel: string): Promise<{ fh: fsp.FileHandle; found: HlsFileFound }> {
  const realRoot = await fsp.realpath(root);
  const real = await fsp.realpath(path.join(root, rel)); // ENOENT → 404
  if (!isInside(realRoot, real)) throw new Error('outside the HLS directory');
  const fh = await fsp.open(real, 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a file');
    return { fh, found: { real, size: st.size, mtimeMs: st.mtimeMs, lastModified: st.mtime.toUTCString() } };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Looks the file up with what is worth keeping: a playlist's bytes; a segment's go to `memory`. */
async function lookUp(root: string, rel: string, playlist: boolean, memory: SegmentMemory): Promise<HlsFileFound> {
  const { fh, found } = await open(root, rel);
  try {
    if (playlist) return withPlaylist(found, await fh.readFile());
    await memory.get(found.real, found.size, found.mtimeMs, () => fh.readFile());
    return found;
  } finally {
    await fh.close();
  }
}

/** Answers with `body` (a segment, or the playlist as written, filled with the viewer's hls_ctx here); none for HEAD. */
function respond(
  req: http.IncomingMessage, res: http.ServerResponse, rel: string, playlist: boolean, base: http.OutgoingHttpHeaders,
  counters: HlsFileCounters, viewers: HlsViewers | null, found: HlsFileFound, body: Buffer | null,
): void {
  if (body && playlist && viewers && found.playlist) body = fillCtx(found.playlist.template, ctxFor(req));
  writeHead(res, playlist, base, counters, found, body ? body.length : found.size);
  // No body for HEAD, nor for a player that left while the file was looked up.
  if (req.method === 'HEAD' || res.destroyed || !body) { res.end(); return; }
  touch(req, rel, playlist, viewers, found, body.length);
  res.end(body);
}

function writeHead(res: http.ServerResponse, playlist: boolean, base: http.OutgoingHttpHeaders, counters: HlsFileCounters, found: HlsFileFound, size: number): void {
  if (counters.stats) counters.stats.requests[playlist ? 'playlist' : 'segment']++;
  res.writeHead(200, {
    ...base,
    'Content-Type': playlist ? PLAYLIST_TYPE : SEGMENT_TYPE,
    'Content-Length': size,
    'Cache-Control': playlist ? 'no-cache' : SEGMENT_CACHE,
    'Last-Modified': found.lastModified,
  });
}

/** Counts the viewer (not for requests from edges and peers). */
function touch(req: http.IncomingMessage, rel: string, playlist: boolean, viewers: HlsViewers | null, found: HlsFileFound | null, bytes: number): void {
  if (!viewers) return;
  const [app, file] = rel.split('/');
  const stream = playlist ? file.slice(0, -'.m3u8'.length) : file.replace(/-\d+\.ts$/i, '');
  const td = found?.playlist?.targetSeconds;
  if (td) viewers.setTargetDuration(app, stream, td);
  viewers.touch(app, stream, playlist ? ctxFor(req) : ctxOf(req.url ?? ''), clientAddress(req), bytes);
}

function reply(res: http.ServerResponse, status: number, base: http.OutgoingHttpHeaders, extra: http.OutgoingHttpHeaders = {}): true {
  res.writeHead(status, { ...base, ...extra, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status === 400 ? 'bad request' : status === 404 ? 'not found' : 'method not allowed'}\n`);
  return true;
}
