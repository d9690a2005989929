// The static player page (built by player/build.mjs into dist/player/, /app/player/ in the image) on the
// HTTP media port: `/`, `/index.html` and the page's assets. SRS-guide links keep working too:
// `/players/srs_player.html?...` and everything under `/players/` map onto the same files.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { isInside } from '../hls/paths';

/** Next to the server bundle: dist/player/ in dev and tests, /app/player/ in the image. */
const PLAYER_DIR = path.join(__dirname, 'player');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Scripts and styles only from this origin; media, API and FLV may live on other ports or hosts. */
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  + "connect-src *; media-src * blob:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

/** Answers a request for the player page or one of its files; false (the caller answers 404) otherwise. */
export type PlayerPageHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/**
 * Answers `req` when it asks for the player page or one of its files and returns true; returns false
 * (the caller answers 404) for any other path, or when the page was not built.
 */
export function servePlayerPage(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  return serveFrom(PLAYER_DIR, req, res);
}

/** The same handler over another directory (tests). */
export function playerPageHandler(dir: string): PlayerPageHandler {
  const root = path.resolve(dir);
  return (req, res) => serveFrom(root, req, res);
}

function serveFrom(root: string, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const rel = pagePath(req.url ?? '/');
  if (rel === undefined) return false;
  const file = path.join(root, rel);
  if (!isInside(root, file)) return false;
  const stat = statFile(file);
  if (!stat) return false;

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('method not allowed\n');
    return true;
  }
  // The build writes a gzipped twin of every text file; send it to clients that take gzip.
  const gz = acceptsGzip(req) ? statFile(`${file}.gz`) : undefined;
  const sent = gz ?? stat;
  const etag = `W/"${sent.size.toString(16)}-${Math.floor(sent.mtimeMs).toString(16)}${gz ? '-gz' : ''}"`;
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    Vary: 'Accept-Encoding',
    // Chunks carry a content hash in their name and never change; the rest is revalidated every time.
    'Cache-Control': rel.startsWith('chunks/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    ETag: etag,
    'Last-Modified': stat.mtime.toUTCString(),
    'X-Content-Type-Options': 'nosniff',
  };
  if (file.endsWith('.html')) headers['Content-Security-Policy'] = PAGE_CSP;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  if (gz) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = sent.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  fs.createReadStream(gz ? `${file}.gz` : file)
    .on('error', () => res.destroy())
    .pipe(res);
  return true;
}

/** A regular file's stats, else undefined. Synchronous on purpose: the caller needs a yes/no now, and a stat is cheap. */
function statFile(file: string): fs.Stats | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

function acceptsGzip(req: http.IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

/** The file under the player dir that `url` names, or undefined when it cannot be one (traversal, dotfiles). */
function pagePath(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://player.invalid').pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  if (pathname === '/players' || pathname.startsWith('/players/')) pathname = pathname.slice('/players'.length);
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'srs_player.html')) return 'index.html';
  return segments.join('/');
}
