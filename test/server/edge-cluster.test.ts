/**
 * Edge mode end to end: one origin and two edges as separate processes. Players on the edges (real
 * ffmpeg/ffprobe and light in-process RTMP/HTTP-FLV players) share one upstream pull per stream per edge;
 * pulls stop when idle; a publish to an edge reaches the origin and the other edge; after the origin is
 * killed and restarted on the same port the edges reconnect by themselves.
 */
import { spawn } from 'node:child_process';
import { RtmpClient } from '../../images/rtmp-server/src/protocol/rtmp/client';
import { countFrames, probe, publish, Publisher } from '../helpers/media';
import { eventually, events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

const EDGE_YAML = 'edge:\n  idleSeconds: 2\n  retrySeconds: 1\n';

let origin: RunningServer;
let edges: RunningServer[] = [];
const publishers: Publisher[] = [];

function startEdge(): Promise<RunningServer> {
  return startServer({ configYaml: EDGE_YAML, args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`] });
}

beforeAll(async () => {
  origin = await startServer();
  edges = await Promise.all([startEdge(), startEdge()]);
});
afterAll(async () => {
  await Promise.all(publishers.map((p) => p.stop()));
  await Promise.all([origin, ...edges].map((s) => s?.stop()));
});

/** A light RTMP player (our client, in this process): counts the video messages it receives. */
function rtmpPlayer(port: number, stream: string) {
  const c = new RtmpClient({ host: '127.0.0.1', port, app: 'live', stream, idleTimeoutMs: 0 });
  const state = { video: 0, closed: null as string | null };
  c.onMessage = (m) => { if (m.type === 9) state.video++; };
  c.onClose = (r) => { state.closed = r; };
  const started = c.start('play');
  return { state, started, close: () => c.close() };
}

/** A light HTTP-FLV player: counts the bytes it receives until closed. */
function flvPlayer(url: string) {
  const ac = new AbortController();
  const state = { bytes: 0, status: 0 };
  const done = fetch(url, { signal: ac.signal }).then(async (res) => {
    state.status = res.status;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) state.bytes += chunk.length;
  }).catch(() => {});
  return { state, close: async () => { ac.abort(); await done; } };
}

/** A real ffmpeg player decoding `url`; `frames()` is the latest frame count it reported. */
function ffmpegPlayer(url: string) {
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-stats', '-rw_timeout', '40000000', '-i', url,
    '-t', '120', '-map', '0:v:0', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err = (err + d).slice(-4000); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return {
    frames: () => { const m = [...err.matchAll(/frame=\s*(\d+)/g)]; return m.length ? Number(m[m.length - 1][1]) : 0; },
    running: () => proc.exitCode === null && proc.signalCode === null,
    stop: async () => { if (proc.exitCode === null) proc.kill('SIGKILL'); await exited; },
  };
}

/** Origin-side play sessions of `stream` that came from edges. */
const upstreamPlays = (stream: string) => events(origin, 'play', { stream, kind: 'rtmp-play', agent: 'rtmp-k8s-edge' });

test('24 players over 2 edges share one upstream pull per edge; pulls stop when idle', async () => {
  const pub = publish(origin.rtmpUrl('live', 's1'), 60);
  publishers.push(pub);
  await waitForEvent(origin, 'publish', { stream: 's1' });

  const light = edges.flatMap((e) => [
    ...Array.from({ length: 4 }, () => rtmpPlayer(e.rtmpPort, 's1')),
  ]);
  const flv = edges.flatMap((e) => Array.from({ length: 4 }, () => flvPlayer(e.httpUrl('/live/s1.flv'))));
  // Real players: ffmpeg decoding over RTMP and HTTP-FLV on both edges, ffprobe checking the codecs.
  const real = await Promise.all(edges.flatMap((e) => [
    countFrames(e.rtmpUrl('live', 's1'), 2),
    countFrames(e.rtmpUrl('live', 's1'), 2),
    countFrames(e.httpUrl('/live/s1.flv'), 2),
    probe(e.httpUrl('/live/s1.flv')).then((r) => r.streams.find((s) => s.codec_type === 'video')?.width ?? 0),
  ]));
  await Promise.all(light.map((p) => p.started));
  expect(await eventually(() => light.every((p) => p.state.video > 10) && flv.every((p) => p.state.bytes > 100_000), 10000)).toBe(true);
  expect(real.filter((_, i) => i % 4 !== 3).every((n) => n > 10)).toBe(true);
  expect(real.filter((_, i) => i % 4 === 3)).toEqual([640, 640]);
  expect(flv.every((p) => p.state.status === 200)).toBe(true);

  // 8 light RTMP + 8 light FLV + 8 real = 24 players; the origin saw exactly one upstream play per edge.
  expect(upstreamPlays('s1').length).toBe(2);
  expect(events(origin, 'play', { stream: 's1' }).length).toBe(2);
  for (const e of edges) expect(events(e, 'edge-pull-start', { stream: 's1' }).length).toBe(1);

  light.forEach((p) => p.close());
  await Promise.all(flv.map((p) => p.close()));
  for (const e of edges) await waitForEvent(e, 'edge-pull-stop', { stream: 's1', reason: 'idle' }, 1, 10000);
  await waitForEvent(origin, 'close', { stream: 's1', role: 'play' }, 2, 10000);
  expect(upstreamPlays('s1').length).toBe(2);
});

test('a publish to an edge is forwarded to the origin and plays from the other edge', async () => {
  const [e1, e2] = edges;
  const pub = publish(e1.rtmpUrl('live', 's2'), 40);
  publishers.push(pub);
  await waitForEvent(e1, 'edge-forward-start', { stream: 's2' });
  await waitForEvent(origin, 'publish', { stream: 's2' });
  const atOrigin = await probe(origin.rtmpUrl('live', 's2'));
  expect(atOrigin.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  expect(await countFrames(e2.httpUrl('/live/s2.flv'), 2)).toBeGreaterThan(10);
  expect(await countFrames(e1.rtmpUrl('live', 's2'), 1)).toBeGreaterThan(5);
  expect(upstreamPlays('s2').length).toBe(1); // only e2 pulls; e1 has the publisher itself
});

test('a publish to an edge whose origin refuses it closes the encoder', async () => {
  const [e1] = edges;
  // s2 is already published at the origin (through e1), so a publish of s2 via the other edge is refused upstream.
  const dup = publish(edges[1].rtmpUrl('live', 's2'), 5);
  expect(await dup.exited).not.toBe(0);
  await waitForEvent(edges[1], 'reject', { stream: 's2' });
  expect(events(e1, 'crash')).toEqual([]);
});

test('origin killed and restarted on the same port: edges reconnect and players get media again', async () => {
  const pub = publish(origin.rtmpUrl('live', 's3'), 60);
  await waitForEvent(origin, 'publish', { stream: 's3' });
  const players = edges.map((e) => rtmpPlayer(e.rtmpPort, 's3'));
  const flv = edges.map((e) => flvPlayer(e.httpUrl('/live/s3.flv')));
  const real = [ffmpegPlayer(edges[0].rtmpUrl('live', 's3')), ffmpegPlayer(edges[1].httpUrl('/live/s3.flv'))];
  await Promise.all(players.map((p) => p.started));
  expect(await eventually(() => players.every((p) => p.state.video > 10) && real.every((r) => r.frames() > 10), 15000)).toBe(true);

  const ports = { rtmp: origin.rtmpPort, http: origin.httpPort, api: origin.apiPort };
  await origin.stop('SIGKILL');
  await pub.stop();
  for (const e of edges) await waitForEvent(e, 'edge-pull-error', { stream: 's3' }, 1, 10000);
  const before = players.map((p) => p.state.video);
  const flvBefore = flv.map((p) => p.state.bytes);
  const realBefore = real.map((r) => r.frames());

  origin = await startServer({ ports });
  const pub2 = publish(origin.rtmpUrl('live', 's3'), 40);
  publishers.push(pub2);
  await waitForEvent(origin, 'publish', { stream: 's3' });
  // The same player connections receive media from the new origin (bounded wait).
  const resumed = await eventually(() => players.every((p, i) => p.state.video > before[i] + 10)
    && flv.every((p, i) => p.state.bytes > flvBefore[i] + 50_000)
    && real.every((r, i) => r.frames() > realBefore[i] + 25), 20000);
  expect({ resumed, players: players.map((p) => p.state), real: real.map((r) => [r.frames(), r.running()]) })
    .toMatchObject({ resumed: true });
  await Promise.all(real.map((r) => r.stop()));
  expect(upstreamPlays('s3').length).toBe(2);
  players.forEach((p) => p.close());
  await Promise.all(flv.map((p) => p.close()));
});

test('players of an edge whose origin stays away are closed cleanly, not left hanging', async () => {
  // An edge pointing at a port where nothing listens: the player is closed within the no-publisher bound.
  const lonely = await startServer({ configYaml: EDGE_YAML, args: ['--mode', 'edge', '--origin', '127.0.0.1:9'] });
  try {
    const p = rtmpPlayer(lonely.rtmpPort, 'nothing');
    await p.started;
    await waitForEvent(lonely, 'edge-pull-error', { stream: 'nothing' }, 2, 10000);
    expect(await eventually(() => p.state.closed !== null, 40000)).toBe(true);
    await waitForEvent(lonely, 'close', { stream: 'nothing', reason: 'no publisher' }, 1, 5000);
  } finally {
    await lonely.stop();
  }
}, 90000);

test('with a play key, the edge checks it and passes it upstream itself', async () => {
  const yaml = 'auth:\n  playKey: k1\n';
  const o = await startServer({ configYaml: yaml });
  const e = await startServer({ configYaml: yaml + EDGE_YAML, args: ['--mode', 'edge', '--origin', `127.0.0.1:${o.rtmpPort}`] });
  const pub = publish(o.rtmpUrl('live', 'keyed'), 20);
  try {
    await waitForEvent(o, 'publish', { stream: 'keyed' });
    expect((await fetch(e.httpUrl('/live/keyed.flv'))).status).toBe(403);
    expect(await countFrames(e.httpUrl('/live/keyed.flv?key=k1'), 1)).toBeGreaterThan(5);
    expect(events(o, 'play', { stream: 'keyed', agent: 'rtmp-k8s-edge' }).length).toBe(1);
    expect(events(o, 'reject')).toEqual([]);
  } finally {
    await pub.stop();
    await Promise.all([e.stop(), o.stop()]);
  }
});
