/**
 * HLS through companion edges (the EdgeCluster layout) on the real bundle: one origin that writes HLS, two edges
 * that fetch it over HTTP (`--origin-http`) into their memory cache. ffmpeg publishes to the origin and plays
 * through the edges, also behind a per-connection round-robin proxy (a Service without affinity). The origin's
 * /metrics counts what it serves, so "one upstream request per object" is counted where it happens.
 */
import { parsePlaylist } from '../helpers/hls';
import { countFrames, probe, publish, Publisher } from '../helpers/media';
import { RoundRobinProxy, startRoundRobinProxy } from '../helpers/rr-proxy';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, waitUntil } from './cluster-support';

let origin: RunningServer;
const edges: RunningServer[] = [];
let pub: Publisher;
let rr: RoundRobinProxy;

const metricsOf = async (s: RunningServer) => (await fetch(s.apiUrl('/metrics'))).text();
const sample = (m: string, name: string, labels = '') =>
  Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(m)?.[1] ?? NaN);
const originRequests = async (kind: 'playlist' | 'segment') =>
  sample(await metricsOf(origin), 'rtmp_server_hls_requests_total', `{kind="${kind}"}`);

beforeAll(async () => {
  origin = await startServer({ configYaml: 'hls:\n  fragmentSeconds: 1\n  windowSeconds: 6\n' });
  for (let i = 0; i < 2; i++) {
    edges.push(await startServer({
      configYaml: 'hls:\n  fragmentSeconds: 1\n',
      args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`, '--origin-http', `127.0.0.1:${origin.httpPort}`],
    }));
  }
  pub = publish(origin.rtmpUrl('live', 'livestream'), 90);
  await waitUntil('the origin lists three segments', async () => {
    const r = await fetch(origin.httpUrl('/live/livestream.m3u8'), { headers: { 'x-rtmp-server-proxied': '1' } });
    return r.status === 200 && parsePlaylist(await r.text()).segments.length >= 3;
  }, 30000);
  rr = await startRoundRobinProxy(edges.map((e) => e.httpPort));
}, 60000);

afterAll(async () => {
  await rr?.close();
  await pub?.stop();
  for (const s of [...edges, origin]) await s?.stop('SIGKILL');
});

test('ffprobe and ffmpeg play HLS through an edge, and through two edges behind a round-robin proxy', async () => {
  const info = await probe(edges[0].httpUrl('/live/livestream.m3u8'));
  expect(info.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  expect(await countFrames(edges[1].httpUrl('/live/livestream.m3u8'), 3)).toBeGreaterThan(25);
  const viaRr = `http://127.0.0.1:${rr.port}/live/livestream.m3u8`;
  expect(await countFrames(`${viaRr}`, 4)).toBeGreaterThan(50);
  expect(rr.counts.every((n) => n > 0)).toBe(true);
});

test('50 concurrent requests for a segment the edge lacks: one request at the origin', async () => {
  const pl = parsePlaylist(await (await fetch(edges[0].httpUrl('/live/livestream.m3u8'))).text());
  // The newest segment may already be cached by the play test; wait for one no one has asked for yet.
  const seq = (name: string) => Number(/-(\d+)\.ts/.exec(name)![1]);
  const last = seq(pl.segments[pl.segments.length - 1].name);
  let fresh = '';
  await waitUntil('a new segment in the origin playlist', async () => {
    const o = parsePlaylist(await (await fetch(origin.httpUrl('/live/livestream.m3u8'), { headers: { 'x-rtmp-server-proxied': '1' } })).text());
    const newest = o.segments[o.segments.length - 1].name;
    fresh = newest;
    return seq(newest) > last + 1;
  }, 10000);
  const before = await originRequests('segment');
  const edgeBefore = await metricsOf(edges[0]);
  const bodies = await Promise.all(Array.from({ length: 50 }, async () => {
    const r = await fetch(edges[0].httpUrl(`/live/${fresh}?hls_ctx=c${Math.random().toString(36).slice(2, 8)}`));
    return { status: r.status, len: (await r.arrayBuffer()).byteLength };
  }));
  expect(bodies.every((b) => b.status === 200 && b.len === bodies[0].len && b.len > 0)).toBe(true);
  expect((await originRequests('segment')) - before).toBe(1);
  const edgeAfter = await metricsOf(edges[0]);
  const delta = (n: string) => sample(edgeAfter, n) - sample(edgeBefore, n);
  expect(delta('rtmp_server_hls_cache_misses_total')).toBe(1);
  expect(delta('rtmp_server_hls_cache_coalesced_total') + delta('rtmp_server_hls_cache_hits_total')).toBe(49);
  expect(sample(edgeAfter, 'rtmp_server_hls_cache_bytes')).toBeGreaterThan(0);
});

test('freshness: a playlist is reused for at most half a target duration', async () => {
  // Target duration 1 s: reused ≤ 0.5 s. 20 requests over 3 s must reach the origin about every 0.5 s, not 20 times.
  const before = await originRequests('playlist');
  const seqs = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const r = await fetch(edges[1].httpUrl('/live/livestream.m3u8'));
    seqs.add(parsePlaylist(await r.text()).mediaSequence);
    await new Promise((res) => setTimeout(res, 150));
  }
  const upstream = (await originRequests('playlist')) - before;
  expect(upstream).toBeGreaterThanOrEqual(4);
  expect(upstream).toBeLessThanOrEqual(9);
  expect(seqs.size).toBeGreaterThanOrEqual(2);
});

test('headers: type, length, cache policy as the origin serves them, CORS; the playlist hands out hls_ctx', async () => {
  const direct = await fetch(origin.httpUrl('/live/livestream.m3u8'), { headers: { 'x-rtmp-server-proxied': '1' } });
  await direct.text();
  const r = await fetch(edges[0].httpUrl('/live/livestream.m3u8?hls_ctx=abc123'));
  const text = await r.text();
  expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
  expect(r.headers.get('cache-control')).toBe(direct.headers.get('cache-control'));
  expect(r.headers.get('access-control-allow-origin')).toBe('*');
  expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  const segs = parsePlaylist(text).segments;
  expect(segs.length).toBeGreaterThan(0);
  for (const s of segs) expect(s.uri).toMatch(/^livestream-\d+\.ts\?hls_ctx=abc123$/);

  const seg = await fetch(edges[0].httpUrl(`/live/${segs[segs.length - 1].uri}`));
  const body = Buffer.from(await seg.arrayBuffer());
  expect(seg.headers.get('content-type')).toBe('video/mp2t');
  expect(seg.headers.get('cache-control')).toMatch(/max-age=\d+/);
  expect(Number(seg.headers.get('content-length'))).toBe(body.length);
  expect(body[0]).toBe(0x47);
  const head = await fetch(edges[0].httpUrl(`/live/${segs[0].uri}`), { method: 'HEAD' });
  expect(head.status).toBe(200);
  const opt = await fetch(edges[0].httpUrl('/live/livestream.m3u8'), { method: 'OPTIONS' });
  expect(opt.status).toBe(204);
  expect(opt.headers.get('access-control-allow-methods')).toContain('GET');
  expect((await fetch(edges[0].httpUrl('/live/livestream.m3u8'), { method: 'POST' })).status).toBe(405);
});

test('HLS viewers count as players on the server that answers them: API clients and /metrics protocol="hls"', async () => {
  const edge = edges[1];
  // Viewers of the earlier tests expire first (two target durations + 1 s without a request).
  await waitUntil('earlier viewers expire', async () => sample(await metricsOf(edge), 'rtmp_server_players', '{protocol="hls"}') === 0, 8000);
  // Two viewers with their own ids, polling as a player does, through the edge.
  const stopAt = Date.now() + 4000;
  const poll = async (ctx: string) => {
    while (Date.now() < stopAt) {
      const pl = parsePlaylist(await (await fetch(edge.httpUrl(`/live/livestream.m3u8?hls_ctx=${ctx}`))).text());
      await (await fetch(edge.httpUrl(`/live/${pl.segments[pl.segments.length - 1].uri}`))).arrayBuffer();
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const polling = Promise.all([poll('viewerA'), poll('viewerB')]);
  await new Promise((r) => setTimeout(r, 1500));
  const clients = (await getJson(edge.apiUrl('/api/v1/clients?count=100'))).clients as { type: string; url: string }[];
  expect(clients.filter((c) => c.type === 'hls-play' && c.url === '/live/livestream')).toHaveLength(2);
  const streams = (await getJson(edge.apiUrl('/api/v1/streams'))).streams as { name: string; clients: number; players: number }[];
  expect(streams.find((s) => s.name === 'livestream')?.players).toBe(2);
  const m = await metricsOf(edge);
  expect(sample(m, 'rtmp_server_players', '{protocol="hls"}')).toBe(2);
  await polling;
  // The edges' own fetches are not viewers of the origin.
  const originClients = (await getJson(origin.apiUrl('/api/v1/clients?count=100'))).clients as { type: string }[];
  expect(originClients.filter((c) => c.type === 'hls-play')).toHaveLength(0);
  // Gone after two target durations (+1 s) without a request.
  await waitUntil('the viewers expire', async () => sample(await metricsOf(edge), 'rtmp_server_players', '{protocol="hls"}') === 0, 8000);
});

test('an ffmpeg player is one HLS viewer on the origin it plays from directly', async () => {
  const playing = countFrames(origin.httpUrl('/live/livestream.m3u8'), 6);
  await waitUntil('the origin counts the player', async () =>
    sample(await metricsOf(origin), 'rtmp_server_players', '{protocol="hls"}') === 1, 10000);
  await new Promise((r) => setTimeout(r, 2000));
  expect(sample(await metricsOf(origin), 'rtmp_server_players', '{protocol="hls"}')).toBe(1);
  expect(await playing).toBeGreaterThan(50);
});
