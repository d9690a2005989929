/**
 * Issue 9 item 4: the same HLS on every server of a RelayCluster. One ffmpeg publisher → relay → two servers,
 * each segmenting the pushed stream itself. Both list the same segment names for the media they share, so
 * ffmpeg plays through a per-connection round-robin proxy over both (a Service without session affinity) with
 * no error; a server restarted mid-stream (empty HLS directory) lists the same names again; after a publisher
 * restart the playlists go on with the same names on both, after a discontinuity.
 */
import { spawn } from 'node:child_process';
import { ParsedPlaylist, parsePlaylist } from '../helpers/hls';
import { RoundRobinProxy, startRoundRobinProxy } from '../helpers/rr-proxy';
import { RunningServer, startServer } from '../helpers/server-process';
import { isPublishing, LoopPublisher, publishLoop, ResolveFile, waitUntil } from './cluster-support';

const STREAM = 'samehls';
const names = new ResolveFile();
let relay: RunningServer;
const servers: RunningServer[] = [];
let pub: LoopPublisher;
let proxy: RoundRobinProxy;

const playlistUrl = (s: RunningServer): string => s.httpUrl(`/live/${STREAM}.m3u8`);

async function playlist(s: RunningServer): Promise<ParsedPlaylist | null> {
  try {
    const res = await fetch(playlistUrl(s), { signal: AbortSignal.timeout(3000) });
    return res.status === 200 ? parsePlaylist(await res.text()) : null;
  } catch {
    return null;
  }
}

const seqOf = (name: string): number => Number(name.match(/-(\d+)\.ts$/)![1]);

/** Names are MEDIA-SEQUENCE, MEDIA-SEQUENCE + 1, ...: a player's positions match the names on every server. */
function expectConsecutive(pl: ParsedPlaylist): void {
  expect(pl.segments.map((s) => seqOf(s.name))).toEqual(pl.segments.map((_, i) => pl.mediaSequence + i));
}

/** Both playlists, taken together; the names they share (at least `min`) carry the same durations. */
async function expectSameNames(a: RunningServer, b: RunningServer, min: number): Promise<void> {
  let shared: string[] = [];
  await waitUntil(`${min} segment names listed by both servers`, async () => {
    const [pa, pb] = await Promise.all([playlist(a), playlist(b)]);
    if (!pa || !pb) return false;
    expectConsecutive(pa);
    expectConsecutive(pb);
    expect(pa.targetDuration).toBe(pb.targetDuration);
    const byName = new Map(pb.segments.map((s) => [s.name, s.duration]));
    shared = pa.segments.filter((s) => byName.has(s.name)).map((s) => s.name);
    for (const s of pa.segments) if (byName.has(s.name)) expect(s.duration).toBeCloseTo(byName.get(s.name)!, 3);
    // What one lists and the other does not is only the newest (not cut yet there) or the oldest (left there).
    const first = Math.max(pa.mediaSequence, pb.mediaSequence);
    const last = Math.min(seqOf(pa.segments[pa.segments.length - 1].name), seqOf(pb.segments[pb.segments.length - 1].name));
    expect(shared.length).toBe(Math.max(0, last - first + 1));
    return shared.length >= min;
  }, 30000);
}

/** ffmpeg playing the HLS through the proxy for `seconds`, a new connection per request: its errors and media time. */
function playThroughProxy(seconds: number): Promise<{ code: number | null; err: string; outMs: number }> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-v', 'error', '-http_persistent', '0',
      '-i', `http://127.0.0.1:${proxy.port}/live/${STREAM}.m3u8`, '-t', String(seconds), '-f', 'null', '-', '-progress', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const kill = setTimeout(() => p.kill('SIGKILL'), (seconds + 40) * 1000);
    p.on('close', (code) => {
      clearTimeout(kill);
      const times = [...out.matchAll(/out_time_us=(\d+)/g)].map((m) => Number(m[1]) / 1000);
      resolve({ code, err, outMs: times.length ? times[times.length - 1] : 0 });
    });
  });
}

beforeAll(async () => {
  servers.push(await startServer(), await startServer());
  names.set('servers-headless', servers.map((s) => `127.0.0.1:${s.rtmpPort}`));
  relay = await startServer({
    args: ['--mode', 'relay', '--relay-targets', 'servers-headless:1935'],
    configYaml: 'relay:\n  resolveSeconds: 0.5\nhls:\n  enabled: false\n',
    env: names.env(),
  });
  proxy = await startRoundRobinProxy(servers.map((s) => s.httpPort));
  pub = await publishLoop(relay.rtmpUrl('live', STREAM), 120);
  for (const s of servers) await waitUntil('the server has the stream', () => isPublishing(s, STREAM), 20000);
});

afterAll(async () => {
  await pub?.stop();
  await proxy?.close();
  for (const s of [relay, ...servers]) await s?.stop('SIGKILL');
});

test('both servers list the same segment names; ffmpeg plays 20 s round-robin over both with no error', async () => {
  await expectSameNames(servers[0], servers[1], 3);
  const r = await playThroughProxy(20);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.outMs).toBeGreaterThan(19_500);
  expect(proxy.counts[0]).toBeGreaterThan(2);
  expect(proxy.counts[1]).toBeGreaterThan(2);
}, 120_000);

test('a server restarted mid-stream, with an empty HLS directory, lists the same names again', async () => {
  const victim = servers[1];
  const ports = { rtmp: victim.rtmpPort, http: victim.httpPort, api: victim.apiPort };
  await victim.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, 3000));
  servers[1] = await startServer({ ports }); // joins 3 s later, mid-GOP, from the relay's GOP cache
  await waitUntil('the restarted server has the stream', () => isPublishing(servers[1], STREAM), 20000);
  await expectSameNames(servers[0], servers[1], 2);
  const r = await playThroughProxy(8);
  expect(r.err).toBe('');
  expect(r.outMs).toBeGreaterThan(7_500);
}, 90_000);

test('a publisher restart: both servers go on with the same, higher names after a discontinuity', async () => {
  const before = (await playlist(servers[0]))!;
  const lastBefore = seqOf(before.segments[before.segments.length - 1].name);
  await pub.stop();
  await new Promise((r) => setTimeout(r, 2000));
  pub = await publishLoop(relay.rtmpUrl('live', STREAM), 60);
  await waitUntil('a segment of the new publish on both servers', async () => {
    const pls = await Promise.all(servers.map(playlist));
    return pls.every((pl) => pl !== null && seqOf(pl.segments[pl.segments.length - 1].name) > lastBefore + 1);
  }, 30000);
  for (const s of servers) {
    const pl = (await playlist(s))!;
    expect(pl.discontinuities).toBe(1);
    expectConsecutive(pl);
  }
  await expectSameNames(servers[0], servers[1], 3);
}, 90_000);
