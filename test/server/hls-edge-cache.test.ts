/**
 * The edge's HLS cache against upstreams that misbehave, on the real bundle: the edge runs as the image runs
 * it (`--mode edge --origin-http ...`); the "origins" are small servers in this test that count every request
 * and answer what each case needs (404s, big segments, garbage, bodies that never end, nothing at all).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { RunningServer, startServer } from '../helpers/server-process';
import { waitUntil } from './cluster-support';

const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.000,\ngood-1.ts\n';
const segment = (bytes: number) => Buffer.alloc(bytes, 0x47);

/** Requests the fake origin saw, by path. */
const seen = new Map<string, number>();
const count = (p: string) => seen.get(p) ?? 0;
const raw: net.Socket[] = [];

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const p = req.url ?? '';
  seen.set(p, count(p) + 1);
  if (p === '/live/good.m3u8') return void res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-cache' }).end(PLAYLIST);
  if (/^\/live\/good-\d+\.ts$/.test(p)) return void res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Cache-Control': 'public, max-age=86400' }).end(segment(188 * 10));
  if (/^\/live\/big-\d+\.ts$/.test(p)) return void res.writeHead(200, { 'Content-Type': 'video/mp2t' }).end(segment(300 * 1024));
  if (p === '/live/huge-1.ts') return void res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': String(64 * 1024 * 1024) }).end(segment(1024));
  if (p === '/live/endless-1.ts') {
    // Chunked and never ending: the edge must cut it at its bound.
    res.writeHead(200, { 'Content-Type': 'video/mp2t' });
    const chunk = segment(64 * 1024);
    const t = setInterval(() => { if (!res.write(chunk)) { /* backpressure: keep the timer going */ } }, 1);
    res.on('close', () => clearInterval(t));
    return;
  }
  if (p === '/live/notmpegts-1.ts') return void res.writeHead(200).end('<html>hello</html>');
  if (p === '/live/notplaylist.m3u8') return void res.writeHead(200).end('hello, not a playlist');
  if (p === '/live/broken.m3u8') return void res.writeHead(500).end();
  res.writeHead(404).end('not found');
}

let good: http.Server;
let goodPort: number;
/** Speaks no HTTP at all: answers any bytes with garbage. */
let garbage: net.Server;
let garbagePort: number;
/** A closed port: connection refused. */
let deadPort: number;
let edge: RunningServer;
let fallbackEdge: RunningServer;
let garbageEdge: RunningServer;

const listen = (s: net.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
const metric = async (s: RunningServer, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(s.apiUrl('/metrics'))).text())?.[1] ?? NaN);
const get = async (s: RunningServer, p: string) => {
  const r = await fetch(s.httpUrl(p), { signal: AbortSignal.timeout(30000) });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
};

beforeAll(async () => {
  good = http.createServer(route);
  goodPort = await listen(good);
  garbage = net.createServer((c) => { raw.push(c); c.on('error', () => undefined); c.once('data', () => c.end('\x00\x01garbage\r\n\r\nmore garbage')); });
  garbagePort = await listen(garbage);
  const probe = net.createServer();
  deadPort = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  const edgeArgs = (originHttp: string) => ['--mode', 'edge', '--origin', '127.0.0.1:1', '--origin-http', originHttp];
  edge = await startServer({ configYaml: 'edge:\n  hlsCacheBytes: 1048576\n', args: edgeArgs(`127.0.0.1:${goodPort}`) });
  fallbackEdge = await startServer({ args: edgeArgs(`127.0.0.1:${deadPort},127.0.0.1:${garbagePort},127.0.0.1:${goodPort}`) });
  garbageEdge = await startServer({ args: edgeArgs(`127.0.0.1:${garbagePort}`) });
}, 30000);

afterAll(async () => {
  for (const s of [edge, fallbackEdge, garbageEdge]) await s?.stop('SIGKILL');
  for (const c of raw) c.destroy();
  good?.closeAllConnections();
  good?.close();
  garbage?.close();
});

test('a 404 is cached for about a second, then asked again', async () => {
  const statuses = await Promise.all(Array.from({ length: 10 }, () => get(edge, '/live/missing.m3u8').then((r) => r.status)));
  expect(statuses.every((s) => s === 404)).toBe(true);
  for (let i = 0; i < 5; i++) expect((await get(edge, '/live/missing.m3u8')).status).toBe(404);
  expect(count('/live/missing.m3u8')).toBe(1);
  await new Promise((r) => setTimeout(r, 1300));
  expect((await get(edge, '/live/missing.m3u8')).status).toBe(404);
  expect(count('/live/missing.m3u8')).toBe(2);
});

test('memory is bounded by edge.hlsCacheBytes: the least recently used segments are evicted and fetched again', async () => {
  for (let i = 1; i <= 6; i++) expect((await get(edge, `/live/big-${i}.ts`)).body.length).toBe(300 * 1024);
  expect(await metric(edge, 'rtmp_server_hls_cache_bytes')).toBeLessThanOrEqual(1048576);
  expect(await metric(edge, 'rtmp_server_hls_cache_evictions_total')).toBeGreaterThanOrEqual(3);
  await get(edge, '/live/big-6.ts');
  expect(count('/live/big-6.ts')).toBe(1); // still cached
  await get(edge, '/live/big-1.ts');
  expect(count('/live/big-1.ts')).toBe(2); // evicted, fetched again
});

test('origin fallback: a refused and a garbage origin are skipped for the next one', async () => {
  const r = await get(fallbackEdge, '/live/good.m3u8');
  expect(r.status).toBe(200);
  expect(r.body.toString()).toContain('good-1.ts?hls_ctx=');
  expect((await get(fallbackEdge, '/live/good-1.ts')).status).toBe(200);
  expect(await metric(fallbackEdge, 'rtmp_server_hls_cache_upstream_errors_total')).toBeGreaterThanOrEqual(2);
});

test.each([
  '/live/..%2f..%2fetc%2fpasswd.m3u8',
  '/live/%2e%2e.m3u8',
  '/live/a%2fb.m3u8',
  '/live/a%5cb.m3u8',
  '/%2e%2e/live/good.m3u8',
  '/live/sub/good.m3u8',
  `/live/${'x'.repeat(4000)}.m3u8`,
  `/${'y'.repeat(200)}/good.m3u8`,
  '/live/good%00.m3u8',
  '/live/%ff.m3u8',
].map((p) => [p.length > 60 ? `${p.slice(0, 40)}… (${p.length} chars)` : p, p]))('hostile path %s: 400/404, never fetched upstream', async (_label, p) => {
  const before = [...seen.values()].reduce((a, b) => a + b, 0);
  // Sent as written (fetch would normalise dot segments before sending).
  const status = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: edge.httpPort, path: p }, (r) => { r.resume(); resolve(r.statusCode ?? 0); }).on('error', reject);
  });
  expect([400, 404]).toContain(status);
  expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(before);
});

test('a body declared bigger than the bound, and one that never ends: 502 for that request, cut at the bound', async () => {
  expect((await get(edge, '/live/huge-1.ts')).status).toBe(502);
  const t0 = Date.now();
  expect((await get(edge, '/live/endless-1.ts')).status).toBe(502);
  expect(Date.now() - t0).toBeLessThan(15000);
  // The edge keeps serving other objects.
  expect((await get(edge, '/live/good.m3u8')).status).toBe(200);
});

test('an origin answering garbage: 502 for that request only', async () => {
  const [bad, notTs, notPl, fine, broken] = await Promise.all([
    get(garbageEdge, '/live/good.m3u8'),
    get(edge, '/live/notmpegts-1.ts'),
    get(edge, '/live/notplaylist.m3u8'),
    get(edge, '/live/good-2.ts'),
    get(edge, '/live/broken.m3u8'),
  ]);
  expect([bad.status, notTs.status, notPl.status, fine.status, broken.status]).toEqual([502, 502, 502, 200, 502]);
  // Not cached: the next request asks again.
  await get(edge, '/live/notplaylist.m3u8');
  expect(count('/live/notplaylist.m3u8')).toBe(2);
  await waitUntil('the edges are still up', async () => (await fetch(garbageEdge.apiUrl('/healthz'))).ok, 2000);
});
