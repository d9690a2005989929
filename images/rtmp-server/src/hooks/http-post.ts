/**
 * One bounded JSON POST to a hook backend (node:http / node:https): a whole-request deadline, and the reply body
 * read up to MAX_REPLY_BYTES (a backend answering with megabytes, or never finishing, costs a bounded amount).
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** SRS answers are `0` or a small JSON object; more than this is cut (and then fails to parse: a denial). */
export const MAX_REPLY_BYTES = 64 * 1024;

export interface PostReply {
  readonly status: number;
  readonly body: string;
  /** The body was longer than MAX_REPLY_BYTES and was cut. */
  readonly truncated: boolean;
}

/** Failure to get an answer at all (timeout, refused, reset): what `hooks.failOpen` decides about. */
export class HookUnreachable extends Error {}

/** POSTs `body` as JSON to `url`; resolves with the reply, rejects with HookUnreachable. */
export function postJson(url: string, body: unknown, timeoutMs: number): Promise<PostReply> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    let u: URL;
    try { u = new URL(url); } catch { reject(new HookUnreachable(`bad URL ${url.slice(0, 100)}`)); return; }
    const mod = u.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (err: Error | null, reply?: PostReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err); else resolve(reply!);
    };
    const req = mod.request(u, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': data.length, 'User-Agent': 'rtmp-k8s-hooks' },
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (c: Buffer) => {
        if (truncated) return;
        if (size + c.length > MAX_REPLY_BYTES) {
          chunks.push(c.subarray(0, MAX_REPLY_BYTES - size));
          size = MAX_REPLY_BYTES;
          truncated = true;
          // Enough read: the rest is not waited for.
          finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), truncated });
          req.destroy();
          return;
        }
        chunks.push(c);
        size += c.length;
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), truncated }));
      res.on('error', (e) => finish(new HookUnreachable(e.message)));
    });
    const timer = setTimeout(() => {
      finish(new HookUnreachable(`no answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e) => finish(new HookUnreachable(e.message)));
    req.end(data);
  });
}
