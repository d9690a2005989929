/**
 * HLS files served from memory on an origin (serveHlsFile with a SegmentMemory, over a real http.Server on
 * loopback): what a lookup found is reused for a moment instead of five thread-pool trips per request. Checks that
 * the reuse is real (one open for many requests), bounded in time (a rewritten playlist shows within PLAYLIST_MS,
 * a deleted segment is 404 within SEGMENT_MS), and changes nothing in what a player gets.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLAYLIST_MS, SEGMENT_MS } from '../../images/rtmp-server/src/hls/file-lookups';
import { serveHlsFile } from '../../images/rtmp-server/src/hls/files';
import { SegmentMemory } from '../../images/rtmp-server/src/hls/segment-memory';
import { HlsViewers } from '../../images/rtmp-server/src/hls/viewers';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-lookups-'));
const live = path.join(root, 'live');
fs.mkdirSync(live);
const playlistText = (seq: number) => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${seq}\n#EXTINF:2.000,\ns-${seq}.ts\n`;
const segment = Buffer.alloc(188 * 200, 0x47);
let server: http.Server;
let port = 0;
const viewers = new HlsViewers({ newId: (() => { let n = 0; return () => String(++n); })(), defaultTargetSeconds: 2 });

beforeAll(async () => {
  fs.writeFileSync(path.join(live, 's.m3u8'), playlistText(1));
  fs.writeFileSync(path.join(live, 's-1.ts'), segment);
  const memory = new SegmentMemory(16 * 1024 * 1024);
  server = http.createServer((req, res) => {
    if (!serveHlsFile(req, res, root, '*', undefined, { memory, viewers })) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  viewers.close();
  await new Promise((r) => server.close(r));
  fs.rmSync(root, { recursive: true, force: true });
});

async function get(p: string, method = 'GET'): Promise<{ status: number; body: Buffer; length: string | undefined }> {
  const r = await fetch(`http://127.0.0.1:${port}${p}`, { method });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()), length: r.headers.get('content-length') ?? undefined };
}

test('many requests, at once and within the window, open the file once and get the bytes of the file', async () => {
  const opens = jest.spyOn(fs.promises, 'open');
  try {
    await new Promise((r) => setTimeout(r, SEGMENT_MS + 50)); // nothing kept from before
    // 20 at once with nothing kept: one lookup for all of them; then 20 more from what it found.
    const first = await Promise.all(Array.from({ length: 20 }, () => get('/live/s-1.ts')));
    const rest = await Promise.all(Array.from({ length: 20 }, () => get('/live/s-1.ts')));
    expect([...first, ...rest].every((x) => x.status === 200 && x.body.equals(segment))).toBe(true);
    expect(opens).toHaveBeenCalledTimes(1);
  } finally {
    opens.mockRestore();
  }
});

test('a playlist gets the viewer\'s hls_ctx from memory too, and HEAD gives the same length with no body', async () => {
  const a = await get('/live/s.m3u8?hls_ctx=abc');
  const b = await get('/live/s.m3u8?hls_ctx=xyz');
  expect(a.body.toString()).toBe(playlistText(1).replace('s-1.ts', 's-1.ts?hls_ctx=abc'));
  expect(b.body.toString()).toBe(playlistText(1).replace('s-1.ts', 's-1.ts?hls_ctx=xyz'));
  const h = await get('/live/s.m3u8?hls_ctx=abc', 'HEAD');
  expect([h.status, h.length, h.body.length]).toEqual([200, String(a.body.length), 0]);
});

test(`a rewritten playlist shows within ${PLAYLIST_MS} ms; a deleted segment is 404 within ${SEGMENT_MS} ms`, async () => {
  expect((await get('/live/s.m3u8')).body.toString()).toContain('s-1.ts');
  const tmp = path.join(live, '.s.m3u8.tmp');
  fs.writeFileSync(tmp, playlistText(2));
  fs.writeFileSync(path.join(live, 's-2.ts'), segment);
  fs.renameSync(tmp, path.join(live, 's.m3u8'));
  const changed = Date.now();
  let seen = '';
  while (!seen.includes('s-2.ts') && Date.now() - changed < 5000) seen = (await get('/live/s.m3u8')).body.toString();
  expect(seen).toContain('s-2.ts');
  expect(Date.now() - changed).toBeLessThan(PLAYLIST_MS + 1000); // a bound, not a speed: the reuse is time-limited

  expect((await get('/live/s-1.ts')).status).toBe(200);
  fs.unlinkSync(path.join(live, 's-1.ts'));
  const gone = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - gone < 5000) status = (await get('/live/s-1.ts')).status;
  expect(status).toBe(404);
  expect(Date.now() - gone).toBeLessThan(SEGMENT_MS + 1000);
});

test('a missing file is looked up again on every request (a 404 is never kept)', async () => {
  expect((await get('/live/s-3.ts')).status).toBe(404);
  fs.writeFileSync(path.join(live, 's-3.ts'), segment);
  expect((await get('/live/s-3.ts')).status).toBe(200);
});
