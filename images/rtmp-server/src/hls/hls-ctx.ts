/**
 * HLS viewer sessions over stateless HTTP (SRS `hls_ctx`): when a server answers a player's playlist it adds
 * `?hls_ctx=ID` to every segment URL in it, so the player's segment requests name their session whatever
 * connection or pod they arrive on. The id is the one the player's playlist request carried (the player page
 * adds a random one), else one derived from the client address and User-Agent, so a player polling the same
 * URL keeps one id on every server. The playlist is rewritten here, when served, never in the file or cache:
 * caches key on the path without the id.
 */
import { createHash } from 'node:crypto';
import type * as http from 'node:http';

export const HLS_CTX_PARAM = 'hls_ctx';
const CTX = /^[A-Za-z0-9_-]{1,64}$/;

/** The `hls_ctx` of a request URL, or null when absent or not a plain short token. */
export function ctxOf(url: string): string | null {
  const q = url.indexOf('?');
  if (q < 0) return null;
  const v = new URLSearchParams(url.slice(q + 1)).get(HLS_CTX_PARAM);
  return v !== null && CTX.test(v) ? v : null;
}

/** The client address a session falls back to. */
export function clientAddress(req: http.IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

/** The id to hand out in a playlist: the request's own, else a stable one for this client address and agent. */
export function ctxFor(req: http.IncomingMessage): string {
  const own = ctxOf(req.url ?? '');
  if (own) return own;
  const ua = String(req.headers['user-agent'] ?? '');
  return createHash('sha1').update(`${clientAddress(req)}\n${ua}`).digest('hex').slice(0, 16);
}

/** `body` with `hls_ctx=ctx` added to every URI line (segment names); tags and blank lines unchanged. */
export function withCtx(body: Buffer, ctx: string): Buffer {
  const lines = body.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.length === 0 || l.startsWith('#') || l === '\r') continue;
    const cr = l.endsWith('\r') ? '\r' : '';
    const uri = cr ? l.slice(0, -1) : l;
    lines[i] = `${uri}${uri.includes('?') ? '&' : '?'}${HLS_CTX_PARAM}=${ctx}${cr}`;
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** `#EXT-X-TARGETDURATION` of a playlist in seconds, or null. */
export function targetDurationOf(body: Buffer): number | null {
  const m = /#EXT-X-TARGETDURATION:(\d+(?:\.\d+)?)/.exec(body.toString('latin1', 0, Math.min(body.length, 4096)));
  return m ? Number(m[1]) : null;
}
