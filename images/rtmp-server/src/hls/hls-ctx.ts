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
  if (url.includes('%', q) || url.includes('+', q)) return valid(new URLSearchParams(url.slice(q + 1)).get(HLS_CTX_PARAM));
  // The first `hls_ctx=` parameter, as URLSearchParams.get finds it; a valid id has no characters that
  // percent-decoding or '+' would change, so the raw value is compared as is (every segment request comes here).
  for (let i = q + 1; i < url.length;) {
    let end = url.indexOf('&', i);
    if (end < 0) end = url.length;
    if (url.startsWith(CTX_PREFIX, i)) {
      return valid(url.slice(i + CTX_PREFIX.length, end));
    }
    if (url.startsWith(HLS_CTX_PARAM, i) && (end === i + HLS_CTX_PARAM.length)) return null; // `hls_ctx` with no value
    i = end + 1;
  }
  return null;
}
const CTX_PREFIX = `${HLS_CTX_PARAM}=`;
const valid = (v: string | null): string | null => (v !== null && CTX.test(v) ? v : null);

/** The client address a session falls back to. */
export function clientAddress(req: http.IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

/** Derived ids by client address and agent: players poll every second, so hash each pair once (bounded). */
const derived = new Map<string, string>();

/** The id to hand out in a playlist: the request's own, else a stable one for this client address and agent. */
export function ctxFor(req: http.IncomingMessage): string {
  const own = ctxOf(req.url ?? '');
  if (own) return own;
  const who = `${clientAddress(req)}\n${String(req.headers['user-agent'] ?? '')}`;
  let id = derived.get(who);
  if (id === undefined) {
    id = createHash('sha1').update(who).digest('hex').slice(0, 16);
    if (derived.size >= 10_000) derived.clear();
    derived.set(who, id);
  }
  return id;
}

/**
 * A playlist cut after each URI line (segment names): joining the pieces with `?hls_ctx=ID` (or `&hls_ctx=ID`
 * where the URI has a query already) gives the playlist for one viewer. Cut once per cached playlist.
 */
export interface CtxTemplate {
  readonly pieces: readonly Buffer[];
  /** Per cut: the URI already has a query string. */
  readonly hasQuery: readonly boolean[];
}

export function ctxTemplate(body: Buffer): CtxTemplate {
  const pieces: Buffer[] = [];
  const hasQuery: boolean[] = [];
  let start = 0;
  let lineStart = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i < body.length && body[i] !== 0x0a) continue;
    let end = i;
    if (end > lineStart && body[end - 1] === 0x0d) end--;
    if (end > lineStart && body[lineStart] !== 0x23 /* # */) {
      pieces.push(body.subarray(start, end));
      hasQuery.push(body.subarray(lineStart, end).includes(0x3f /* ? */));
      start = end;
    }
    lineStart = i + 1;
  }
  pieces.push(body.subarray(start));
  return { pieces, hasQuery };
}

/** The viewer's playlist from a template: one allocation, the cached bytes copied once. */
export function fillCtx(t: CtxTemplate, ctx: string): Buffer {
  if (t.pieces.length === 1) return t.pieces[0];
  const q = Buffer.from(`?${HLS_CTX_PARAM}=${ctx}`, 'latin1');
  const amp = Buffer.from(`&${HLS_CTX_PARAM}=${ctx}`, 'latin1');
  const parts: Buffer[] = [];
  for (let i = 0; i < t.pieces.length; i++) {
    parts.push(t.pieces[i]);
    if (i < t.hasQuery.length) parts.push(t.hasQuery[i] ? amp : q);
  }
  return Buffer.concat(parts);
}

/** `body` with `hls_ctx=ctx` added to every URI line (segment names); tags and blank lines unchanged. */
export function withCtx(body: Buffer, ctx: string): Buffer {
  return fillCtx(ctxTemplate(body), ctx);
}

/** `#EXT-X-TARGETDURATION` of a playlist in seconds, or null. */
export function targetDurationOf(body: Buffer): number | null {
  const m = /#EXT-X-TARGETDURATION:(\d+(?:\.\d+)?)/.exec(body.toString('latin1', 0, Math.min(body.length, 4096)));
  return m ? Number(m[1]) : null;
}
