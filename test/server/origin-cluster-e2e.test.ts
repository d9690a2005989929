/**
 * Origin cluster end to end on the real bundle: 3 origins and 2 edges on loopback. The edges get every
 * origin's RTMP address (`--origin`) and API address (`--peers`), as the headless Service's name would resolve.
 * Six streams published through the edges (alternating) land on one origin each, spread over at least two
 * origins (rendezvous hash of the name), and each plays from both edges. HLS of streams held by different
 * origins plays through an edge's HTTP port (proxied to the holder).
 */
import { originOrder } from '../../images/rtmp-server/src/cluster/placement';
import { countFrames, probe } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { LoopPublisher, publishLoop, ResolveFile, startOrigins, streamsOf, waitUntil } from './cluster-support';

/** Six names; the first six of s0, s1, ... unless those would all hash to one origin (p ≈ 0.4 %), so the spread is certain. */
let STREAMS: string[] = [];
/** Where the rendezvous hash says each stream lands, given this run's origin addresses. */
const placed = new Map<string, number>();
const names = new ResolveFile();
const origins: RunningServer[] = [];
const edges: RunningServer[] = [];
const pubs: LoopPublisher[] = [];
/** stream → index of the origin holding it. */
const holder = new Map<string, number>();

beforeAll(async () => {
  origins.push(...await startOrigins(names, 3));
  const rtmp = origins.map((o) => `127.0.0.1:${o.rtmpPort}`).join(',');
  const api = origins.map((o) => `127.0.0.1:${o.apiPort}`).join(',');
  for (let i = 0; i < 2; i++) edges.push(await startServer({ args: ['--mode', 'edge', '--origin', rtmp, '--peers', api] }));
  const rtmpList = rtmp.split(',');
  const place = (n: string) => rtmpList.indexOf(originOrder('live', n, rtmpList)[0]);
  const candidates = Array.from({ length: 20 }, (_, i) => `s${i}`);
  STREAMS = candidates.slice(0, 6);
  if (new Set(STREAMS.map(place)).size < 2) STREAMS = [...STREAMS.slice(0, 5), candidates.find((n) => place(n) !== place(STREAMS[0]))!];
  for (const n of STREAMS) placed.set(n, place(n));
  for (const [i, s] of STREAMS.entries()) pubs.push(await publishLoop(edges[i % 2].rtmpUrl('live', s), 45));
});

afterAll(async () => {
  for (const p of pubs) await p.stop();
  for (const s of [...edges, ...origins]) await s?.stop('SIGKILL');
});

test('six streams published through the edges land on their hash-placed origin, spread over at least two', async () => {
  await waitUntil('every stream is on an origin', async () => {
    const lists = await Promise.all(origins.map((o) => streamsOf(o).catch(() => [])));
    holder.clear();
    for (const [i, list] of lists.entries()) {
      for (const s of list) if (s.publish?.active) {
        if (holder.has(s.name)) throw new Error(`${s.name} is publishing on two origins`);
        holder.set(s.name, i);
      }
    }
    return STREAMS.every((s) => holder.has(s));
  }, 30000);
  expect(new Set(holder.values()).size).toBeGreaterThanOrEqual(2);
  // Both edges sent each name to its hash-placed origin (so they agree whichever edge took the publish).
  expect(Object.fromEntries(holder)).toEqual(Object.fromEntries(placed));
  for (const p of pubs) expect(p.running()).toBe(true);
});

test('each stream plays from both edges (RTMP from one, HTTP-FLV from the other)', async () => {
  for (const [i, s] of STREAMS.entries()) {
    const [a, b] = i % 2 === 0 ? [edges[0], edges[1]] : [edges[1], edges[0]];
    const frames = await Promise.all([countFrames(a.rtmpUrl('live', s), 2), countFrames(b.httpUrl(`/live/${s}.flv`), 2)]);
    expect({ stream: s, frames: frames.map((n) => n > 0) }).toEqual({ stream: s, frames: [true, true] });
  }
});

test("HLS of streams held by different origins plays through an edge's HTTP port", async () => {
  const picks = new Map<number, string>();
  for (const [s, o] of holder) if (!picks.has(o)) picks.set(o, s);
  expect(picks.size).toBeGreaterThanOrEqual(2);
  for (const [o, s] of picks) {
    await waitUntil(`origin ${o} wrote ${s}.m3u8`, async () => (await fetch(origins[o].httpUrl(`/live/${s}.m3u8`))).status === 200, 20000);
    const r = await probe(edges[1].httpUrl(`/live/${s}.m3u8`), 15);
    expect(r.streams.find((x) => x.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  }
});

test('a player that asked before the publish is moved to the origin that got the stream', async () => {
  // Published straight to an origin that is not the name's placement origin: the edge first waits on the
  // placement origin (nobody holds the name yet), then finds the holder and moves there.
  const rtmp = origins.map((o) => `127.0.0.1:${o.rtmpPort}`);
  const elsewhere = rtmp.indexOf(originOrder('live', 'late', rtmp)[1]);
  const playing = countFrames(edges[1].rtmpUrl('live', 'late'), 2, 25);
  await new Promise((r) => setTimeout(r, 1500));
  pubs.push(await publishLoop(origins[elsewhere].rtmpUrl('live', 'late'), 30));
  expect(await playing).toBeGreaterThan(0);
});
