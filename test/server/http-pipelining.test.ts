// Pipelined HTTP requests on the media port (several requests in one TCP write) are answered in order. The FLV
// handler used to write onto the socket itself, so its bytes overtook the page or playlist asked for first and
// that response landed inside the FLV body.
import * as net from 'node:net';
import { publish, Publisher } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { until } from './api-players';

/** Sends `raw` in one write and collects what comes back for `ms` (or until the server closes). */
function exchange(port: number, raw: string, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(raw));
    const done = () => { clearTimeout(t); s.destroy(); resolve(Buffer.concat(chunks)); };
    const t = setTimeout(done, ms);
    s.on('data', (d) => chunks.push(d));
    s.on('end', done);
    s.on('error', reject);
  });
}

interface Response { status: string; headers: Record<string, string>; body: Buffer; rest: Buffer }

/** One HTTP/1.1 response from the front of `buf`: Content-Length or chunked bodies are cut; otherwise the body runs to the end. */
function parseResponse(buf: Buffer): Response {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head in ${JSON.stringify(buf.subarray(0, 200).toString('latin1'))}`);
  const [status, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
  let off = end + 4;
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return { status, headers, body: buf.subarray(off, off + n), rest: buf.subarray(off + n) };
  }
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', off);
      const size = parseInt(buf.subarray(off, eol).toString('latin1'), 16);
      off = eol + 2;
      if (size === 0) { off += 2; break; }
      parts.push(buf.subarray(off, off + size));
      off += size + 2;
    }
    return { status, headers, body: Buffer.concat(parts), rest: buf.subarray(off) };
  }
  return { status, headers, body: buf.subarray(off), rest: Buffer.alloc(0) };
}

/** Walks FLV tags; throws at the first byte that is not a well-formed tag (what another response inside the body looks like). */
function checkFlv(body: Buffer): number {
  expect(body.subarray(0, 3).toString('latin1')).toBe('FLV');
  let off = 13, tags = 0;
  while (off + 11 <= body.length) {
    const type = body[off], size = body.readUIntBE(off + 1, 3);
    if (![8, 9, 18].includes(type)) throw new Error(`not an FLV tag at byte ${off}: ${JSON.stringify(body.subarray(off, off + 40).toString('latin1'))}`);
    if (off + 11 + size + 4 > body.length) break; // the last tag was cut by the end of the read
    if (body.readUInt32BE(off + 11 + size) !== 11 + size) throw new Error(`bad PreviousTagSize after the tag at byte ${off}`);
    off += 11 + size + 4;
    tags++;
  }
  return tags;
}

let server: RunningServer;
let pub: Publisher;
beforeAll(async () => {
  server = await startServer();
  pub = publish(server.rtmpUrl('live', 'pipe'), 90);
  await until(async () => (await fetch(server.httpUrl('/live/pipe.m3u8'))).status === 200, 150);
}, 60_000);
afterAll(async () => { await pub?.stop(); await server?.stop(); });

const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

test.each([
  ['the player page', '/', 'text/html'],
  ['a playlist', '/live/pipe.m3u8', 'application/vnd.apple.mpegurl'],
])('%s then an FLV play in one write: both answered in order, the FLV body is only FLV', async (_what, first, type) => {
  const got = await exchange(server.httpPort, req(first) + req('/live/pipe.flv'), 3000);
  const a = parseResponse(got);
  expect(a.status).toBe('HTTP/1.1 200 OK');
  expect(a.headers['content-type']).toContain(type);
  const b = parseResponse(a.rest);
  expect(b.status).toBe('HTTP/1.1 200 OK');
  expect(b.headers['content-type']).toBe('video/x-flv');
  expect(b.headers['transfer-encoding']).toBeUndefined();
  expect(checkFlv(b.body)).toBeGreaterThan(10);
  expect(b.body.includes('HTTP/1.1')).toBe(false);
});
