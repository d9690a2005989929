/**
 * Deterministic segmentation: the same messages give the same segment boundaries, numbers and names in every
 * writer, whenever it joined (the servers of a RelayCluster each segment the pushed stream themselves), and
 * TARGETDURATION never changes (RFC 8216 §6.2.1), whatever the keyframe spacing or a forward jump does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHlsSinkFactory, HlsSinkFactory } from '../../images/rtmp-server/src/hls/output';
import type { MediaSink, TimelineInfo } from '../../images/rtmp-server/src/hub/types';
import { FlvTag, readFlvTags } from '../helpers/flv-file';
import { hlsConfig, ParsedPlaylist, parsePlaylist, quietLog } from '../helpers/hls';
import { countFrames, makeFlv } from '../helpers/media';

let work: string;
let tags: FlvTag[];
const factories: HlsSinkFactory[] = [];
/** A timeline relayed from another server: it may be joined mid-stream, and starts well above zero. */
const RELAYED: TimelineInfo = { jumped: false, fromStart: false };
const BASE = 5_000_777; // not on a multiple of the fragment: a writer must find the boundaries itself

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-det-'));
  tags = readFlvTags(await makeFlv(path.join(work, 'src.flv'), 20));
});
afterAll(() => {
  factories.forEach((f) => f.close());
  fs.rmSync(work, { recursive: true, force: true });
});

function writer(name: string, over: Parameters<typeof hlsConfig>[1] = {}): { dir: string; factory: HlsSinkFactory } {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const factory = createHlsSinkFactory(hlsConfig(dir, { windowSeconds: 60, ...over }), quietLog);
  factories.push(factory);
  return { dir, factory };
}

const isVideoKey = (t: FlvTag): boolean => t.type === 9 && t.payload[0] >> 4 === 1 && t.payload[1] === 1;
const isConfig = (t: FlvTag): boolean => t.type === 18 || (t.payload.length > 1 && t.payload[1] === 0);

/** What a relay push gives a server joining at `fromMs`: metadata and configs, then the GOP from a keyframe. */
function joinAt(fromMs: number): FlvTag[] {
  const key = tags.find((t) => isVideoKey(t) && t.timestamp >= fromMs)!;
  return [...tags.filter(isConfig), ...tags.filter((t) => !isConfig(t) && t.timestamp >= key.timestamp)];
}

function feed(sink: MediaSink, list: readonly FlvTag[], offsetMs = BASE, timeline = RELAYED): void {
  for (const t of list) sink.onMessage({ type: t.type, timestamp: t.timestamp + offsetMs, payload: t.payload }, timeline);
}

async function run(name: string, list: readonly FlvTag[], over: Parameters<typeof hlsConfig>[1] = {}): Promise<ParsedPlaylist> {
  const { dir, factory } = writer(name, over);
  const sink = factory('live', 's')!;
  feed(sink, list);
  await factory.flush();
  const pl = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 's.m3u8'), 'utf8'));
  sink.end();
  return pl;
}

const seqOf = (name: string): number => Number(name.match(/-(\d+)\.ts$/)![1]);

function expectConsecutive(pl: ParsedPlaylist): void {
  expect(pl.segments.map((s) => seqOf(s.name))).toEqual(pl.segments.map((_, i) => pl.mediaSequence + i));
}

test('writers that joined at different times list the same names for the same media', async () => {
  const all = await run('from-start', tags);
  const late = await run('late', joinAt(5300));
  const later = await run('later', joinAt(10_100));
  expectConsecutive(all);
  expect(all.segments.length).toBeGreaterThanOrEqual(7);
  for (const pl of [late, later]) {
    expect(pl.segments.length).toBeGreaterThanOrEqual(3);
    expectConsecutive(pl);
    // Every segment a late writer lists is one the first writer lists, with the same duration.
    for (const s of pl.segments) {
      const same = all.segments.find((a) => a.name === s.name);
      expect(same).toBeDefined();
      expect(s.duration).toBeCloseTo(same!.duration, 3);
    }
  }
  // The names come from the timestamps: the first full segment after BASE is slot floor(BASE / 2000) + 1.
  expect(all.mediaSequence).toBe(Math.floor(BASE / 2000) + 1);
});

test('keyframes 4 s apart with 2 s fragments: segments are split at the target, numbers never skip', async () => {
  // Keep one keyframe in four (the others become inter frames): a 4 s GOP.
  const sparse = tags.map((t) => (isVideoKey(t) && Math.round((t.timestamp - 23) / 1000) % 4 !== 0
    ? { ...t, payload: Buffer.concat([Buffer.from([0x27]), t.payload.subarray(1)]) } : t));
  const { dir, factory } = writer('sparse');
  const sink = factory('live', 's')!;
  feed(sink, sparse, 0, { jumped: false, fromStart: true });
  await factory.flush();
  const m3u8 = path.join(dir, 'live', 's.m3u8');
  const pl = parsePlaylist(fs.readFileSync(m3u8, 'utf8'));
  expect(pl.targetDuration).toBe(2);
  for (const s of pl.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(2);
  expectConsecutive(pl);
  expect(pl.segments.reduce((a, s) => a + s.duration, 0)).toBeGreaterThan(17);
  expect(await countFrames(m3u8, 3)).toBeGreaterThan(0);
  sink.end();
});

test('issue 14.6: an 8 s forward jump cuts the segment at the jump with a discontinuity; TARGETDURATION stays', async () => {
  const { dir, factory } = writer('forward', { fragmentSeconds: 2 });
  const sink = factory('live', 's')!;
  const targets: number[] = [];
  const m3u8 = path.join(dir, 'live', 's.m3u8');
  const look = async (): Promise<void> => {
    await factory.flush();
    if (fs.existsSync(m3u8)) targets.push(parsePlaylist(fs.readFileSync(m3u8, 'utf8')).targetDuration);
  };
  feed(sink, tags.filter((t) => t.timestamp < 6000), 0, { jumped: false, fromStart: true });
  await look();
  feed(sink, tags.filter((t) => t.timestamp >= 6000 && t.type !== 18), 8000, { jumped: false, fromStart: true });
  await look();
  sink.end();
  await look();
  const pl = parsePlaylist(fs.readFileSync(m3u8, 'utf8'));
  expect(new Set(targets)).toEqual(new Set([2]));
  expect(pl.discontinuities).toBe(1);
  for (const s of pl.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(2);
  expectConsecutive(pl);
});

test('keyframes drifting across the slots (GOP 1.1 s, 1 s fragments): no number skips, late writers agree', async () => {
  // Timestamps stretched by 10 %: every tenth slot or so holds no keyframe and gets its segment without one.
  const drift = tags.map((t) => ({ ...t, timestamp: Math.round(t.timestamp * 1.1) }));
  const all = await run('drift-all', drift, { fragmentSeconds: 1 });
  const key = drift.find((t) => isVideoKey(t) && t.timestamp >= 9000)!;
  const late = await run('drift-late', [...drift.filter(isConfig), ...drift.filter((t) => !isConfig(t) && t.timestamp >= key.timestamp)],
    { fragmentSeconds: 1 });
  for (const pl of [all, late]) {
    expect(pl.targetDuration).toBe(1);
    expectConsecutive(pl);
    for (const s of pl.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(1);
  }
  expect(all.segments.length).toBeGreaterThan(18);
  expect(late.segments.length).toBeGreaterThan(8);
  for (const s of late.segments) expect(all.segments.find((a) => a.name === s.name)?.duration).toBeCloseTo(s.duration, 3);
});
