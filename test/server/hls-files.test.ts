/**
 * serveHlsFile over a real http.Server on loopback: hostile paths sent byte-for-byte over raw sockets are
 * refused, and a real playlist written by the HLS writer plays over HTTP in ffprobe/ffmpeg.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHlsSinkFactory, HlsSinkFactory } from '../../images/rtmp-server/src/hls/output';
import { serveHlsFile } from '../../images/rtmp-server/src/hls/files';
import { readFlvTags } from '../helpers/flv-file';
import { feed, hlsConfig, quietLog } from '../helpers/hls';
import { countFrames, makeFlv, probe } from '../helpers/media';
import { freePort } from '../helpers/ports';

const SECRET = 'TOP-SECRET-CONTENT';
let work: string;
let hlsDir: string;
let server: http.Server;
let port: number;
let factory: HlsSinkFactory;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-files-'));
  hlsDir = path.join(work, 'hls');
  fs.mkdirSync(hlsDir);
  // Files a traversal would reach: next to the HLS dir, and behind a symlink inside it.
  fs.writeFileSync(path.join(work, 'secret.m3u8'), SECRET);
  fs.writeFileSync(path.join(work, 'secret.ts'), SECRET);
  factory = createHlsSinkFactory(hlsConfig(hlsDir, { fragmentSeconds: 1 }), quietLog);
  await factory.swept;
  const sink = factory('live', 'livestream')!;
  feed(sink, readFlvTags(await makeFlv(path.join(work, 'src.flv'), 5)));
  sink.end();
  await factory.flush();
  fs.symlinkSync(path.join(work, 'secret.m3u8'), path.join(hlsDir, 'live', 'link.m3u8'));
  fs.symlinkSync(work, path.join(hlsDir, 'up'));

  port = await freePort();
  server = http.createServer((req, res) => {
    if (!serveHlsFile(req, res, hlsDir)) {
      res.writeHead(418);
      res.end('not hls\n');
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});

afterAll(async () => {
  factory.close();
  await new Promise((r) => server.close(r));
  fs.rmSync(work, { recursive: true, force: true });
});

/** Sends `GET {target}` exactly as written (no client-side normalisation); returns the raw response. */
function rawGet(target: string, method = 'GET'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.setTimeout(5000, () => { sock.destroy(); reject(new Error(`timeout on ${target}`)); });
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', reject);
    sock.on('close', () => resolve({ status: Number(data.split(' ')[1]), text: data }));
    sock.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

test.each([
  '/../secret.m3u8',
  '/live/../../secret.m3u8',
  '/%2e%2e/secret.ts',
  '/live/%2e%2e%2fsecret.m3u8',
  '/live/%2E%2E%2F%2E%2E%2Fsecret.ts',
  '/live/..%2f..%2fsecret.ts',
  '/live/..%5c..%5csecret.ts',
  '/%2e%2e%2f%2e%2e%2fsecret.m3u8',
  '/%2Fetc%2Fpasswd.m3u8',
  '//etc/secret.m3u8',
  '/live/secret%00.m3u8',
  '/live/%c0%ae%c0%ae/secret.ts',
  '/live/link.m3u8',
  '/up/secret.m3u8',
])('refuses %s', async (target) => {
  const r = await rawGet(target);
  expect([400, 404]).toContain(r.status);
  expect(r.text).not.toContain(SECRET);
});

test('serves the playlist and segments with the right headers; other paths are left to the caller', async () => {
  const pl = await rawGet('/live/livestream.m3u8');
  expect(pl.status).toBe(200);
  expect(pl.text).toMatch(/content-type: application\/vnd\.apple\.mpegurl/i);
  expect(pl.text).toMatch(/cache-control: no-cache/i);
  expect(pl.text).toMatch(/access-control-allow-origin: \*/i);
  const seg = pl.text.match(/^(livestream-\d+\.ts)$/m)![1];

  const res = await fetch(`http://127.0.0.1:${port}/live/${seg}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('video/mp2t');
  expect(res.headers.get('cache-control')).toMatch(/max-age=\d{4,}/);
  const body = Buffer.from(await res.arrayBuffer());
  expect(body.length).toBe(Number(res.headers.get('content-length')));
  expect(body.length % 188).toBe(0);
  expect(body[0]).toBe(0x47);

  expect((await rawGet(`/live/${seg}`, 'HEAD')).status).toBe(200);
  expect((await rawGet('/live/missing.m3u8')).status).toBe(404);
  expect((await rawGet('/live/livestream.m3u8', 'POST')).status).toBe(405);
  expect((await rawGet('/live/livestream.flv')).status).toBe(418);
});

test('ffprobe and ffmpeg play the playlist over HTTP', async () => {
  const url = `http://127.0.0.1:${port}/live/livestream.m3u8`;
  const info = await probe(url);
  expect(info.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  expect(info.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
  expect(await countFrames(url, 2)).toBeGreaterThan(0);
});
