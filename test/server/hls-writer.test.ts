/**
 * The HLS writer on real files: FLV tags from an ffmpeg-made file go through the sink; ffprobe/ffmpeg read the
 * result. Media time drives segmenting, so tags are fed at once; cleanup uses short real delays.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHlsSinkFactory, HlsSinkFactory } from '../../images/rtmp-server/src/hls/output';
import { FlvTag, readFlvTags } from '../helpers/flv-file';
import { feed, hlsConfig, listFiles, parsePlaylist, quietLog, waitFor } from '../helpers/hls';
import { countFrames, makeFlv, probe } from '../helpers/media';

let work: string;
let tags: FlvTag[];
const factories: HlsSinkFactory[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-writer-'));
  tags = readFlvTags(await makeFlv(path.join(work, 'src.flv'), 12));
});
afterAll(() => {
  factories.forEach((f) => f.close());
  fs.rmSync(work, { recursive: true, force: true });
});

const seqOf = (name: string): number => Number(name.match(/-(\d+)\.ts$/)![1]);

function setup(name: string, over: Parameters<typeof hlsConfig>[1] = {}): { dir: string; factory: HlsSinkFactory } {
  const dir = path.join(work, name, 'hls');
  fs.mkdirSync(dir, { recursive: true });
  const factory = createHlsSinkFactory(hlsConfig(dir, over), quietLog);
  factories.push(factory);
  return { dir, factory };
}

test('a 12 s stream becomes a playable live playlist with ~2 s segments and a 6 s window', async () => {
  const { dir, factory } = setup('basic', { fragmentSeconds: 2, windowSeconds: 6 });
  const sink = factory('live', 'livestream')!;
  feed(sink, tags);
  await factory.flush();

  const m3u8 = path.join(dir, 'live', 'livestream.m3u8');
  const pl = parsePlaylist(fs.readFileSync(m3u8, 'utf8'));
  expect(pl.ended).toBe(false);
  expect(pl.targetDuration).toBe(2);
  expect(pl.segments.length).toBe(3);
  for (const s of pl.segments) {
    expect(s.name).toMatch(/^livestream-\d+\.ts$/);
    expect(s.duration).toBeCloseTo(2, 1);
  }
  expect(pl.segments.reduce((a, s) => a + s.duration, 0)).toBeLessThanOrEqual(6);
  // Segments that left the window are deleted (one kept as grace for players holding the previous playlist).
  const onDisk = fs.readdirSync(path.join(dir, 'live')).filter((f) => f.endsWith('.ts'));
  expect(onDisk.length).toBeLessThanOrEqual(pl.segments.length + 1);
  for (const s of pl.segments) expect(onDisk).toContain(s.name);
  expect(factory.stats.segmentsWritten).toBeGreaterThanOrEqual(5);
  expect(factory.stats.skippedPayloads).toBe(0);
  expect(factory.stats.droppedSegments).toBe(0);

  const info = await probe(m3u8);
  const video = info.streams.find((s) => s.codec_type === 'video');
  expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  expect(info.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '44100' });
  expect(await countFrames(m3u8, 3)).toBeGreaterThan(0);
  sink.end();
});

test('ended stream: the last segment is flushed and every file is removed after the cleanup delay', async () => {
  const { dir, factory } = setup('cleanup', { cleanupDelaySeconds: 1 });
  const sink = factory('live', 'gone')!;
  feed(sink, tags.filter((t) => t.timestamp < 5000));
  sink.end();
  await factory.flush();
  const pl = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 'gone.m3u8'), 'utf8'));
  // The tail after the last cut is written too: about 5 s in total.
  expect(pl.segments.reduce((a, s) => a + s.duration, 0)).toBeGreaterThan(4.5);
  expect(await waitFor(() => listFiles(dir).length === 0, 10000)).toBe(true);
});

test('a publisher that comes back before the cleanup continues the sequence after a discontinuity', async () => {
  const { dir, factory } = setup('resume', { cleanupDelaySeconds: 1, windowSeconds: 20 });
  const first = factory('live', 'again')!;
  feed(first, tags.filter((t) => t.timestamp < 6000));
  first.end();
  await factory.flush();
  const before = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 'again.m3u8'), 'utf8'));

  const second = factory('live', 'again')!;
  feed(second, tags.filter((t) => t.timestamp < 6000)); // timestamps restart at 0, as a new encoder's do
  await new Promise((r) => setTimeout(r, 1500)); // past the first cleanup delay: it must have been cancelled
  await factory.flush();
  const after = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 'again.m3u8'), 'utf8'));
  const seq = (n: string): number => Number(n.match(/-(\d+)\.ts$/)![1]);
  expect(seq(after.segments[after.segments.length - 1].name)).toBeGreaterThan(seq(before.segments[before.segments.length - 1].name));
  expect(after.discontinuities).toBe(1);
  expect(after.mediaSequence).toBe(before.mediaSequence); // the window (20 s) still holds the first run
  second.end();
  expect(await waitFor(() => listFiles(dir).length === 0, 10000)).toBe(true);
});

test('timestamps that jump back or far ahead start a new segment after a discontinuity; numbers stay consecutive', async () => {
  const { dir, factory } = setup('jumps', { windowSeconds: 60 });
  const sink = factory('live', 'jumpy')!;
  const part = tags.filter((t) => t.timestamp < 4000);
  feed(sink, part);
  feed(sink, part.filter((t) => t.type !== 18), 3_600_000); // an hour later
  feed(sink, part.filter((t) => t.type !== 18), 1_000); // back again
  sink.end();
  await factory.flush();
  const pl = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 'jumpy.m3u8'), 'utf8'));
  expect(pl.discontinuities).toBe(2);
  expect(pl.targetDuration).toBe(2);
  for (const s of pl.segments) expect(s.duration).toBeGreaterThan(0);
  for (const s of pl.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(2);
  expect(pl.segments.reduce((a, s) => a + s.duration, 0)).toBeCloseTo(12, 0);
  // MEDIA-SEQUENCE counts segments: the names must go on by one across both jumps.
  expect(pl.segments.map((s) => seqOf(s.name))).toEqual(pl.segments.map((_, i) => pl.mediaSequence + i));
});

test('fragmentSeconds reloads apply to playlists started afterwards; a running one keeps its TARGETDURATION', async () => {
  const { dir, factory } = setup('reload', { fragmentSeconds: 1, windowSeconds: 60 });
  const sink = factory('live', 'reloaded')!;
  feed(sink, tags.filter((t) => t.timestamp < 4000));
  expect(factory.setConfig(hlsConfig(dir, { fragmentSeconds: 3, windowSeconds: 60 }))).toEqual([]);
  feed(sink, tags.filter((t) => t.timestamp >= 4000));
  sink.end();
  const later = factory('live', 'later')!;
  feed(later, tags);
  later.end();
  await factory.flush();
  const running = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 'reloaded.m3u8'), 'utf8'));
  expect(running.targetDuration).toBe(1);
  expect(running.segments.every((s) => Math.abs(s.duration - 1) < 0.1)).toBe(true);
  const fresh = parsePlaylist(fs.readFileSync(path.join(dir, 'live', 'later.m3u8'), 'utf8'));
  expect(fresh.targetDuration).toBe(3);
  expect(fresh.segments.slice(0, -1).every((s) => Math.abs(s.duration - 3) < 0.1)).toBe(true);
  expect(factory.setConfig(hlsConfig('/elsewhere', { enabled: false }))).toEqual(['hls.dir', 'hls.enabled']);
});

test('hostile names are refused and nothing is written outside the HLS directory', async () => {
  const { dir, factory } = setup('hostile');
  const outside = path.dirname(dir);
  const before = listFiles(outside);
  for (const [app, stream] of [
    ['live', '../../etc/passwd'], ['..', 'x'], ['live', '..'], ['live', 'a/b'], ['live', 'a\\b'],
    ['live', 'bad\0name'], ['live', 'caf\u00e9'], ['live', 'x'.repeat(300)], ['', 'x'], ['live', ''],
  ]) {
    expect(factory(app, stream)).toBeNull();
  }
  expect(factory.stats.refusedNames).toBe(10);
  await factory.flush();
  expect(listFiles(outside)).toEqual(before);
});

test('a symlinked app directory leading outside is refused at write time', async () => {
  const { dir, factory } = setup('symlink', { fragmentSeconds: 1 });
  const elsewhere = path.join(work, 'symlink', 'elsewhere');
  fs.mkdirSync(elsewhere);
  fs.symlinkSync(elsewhere, path.join(dir, 'evil'));
  await factory.swept;
  const sink = factory('evil', 'stream')!;
  feed(sink, tags.filter((t) => t.timestamp < 3000));
  await factory.flush();
  expect(fs.readdirSync(elsewhere)).toEqual([]);
  expect(factory.stats.writeErrors).toBeGreaterThan(0);
});

test('files left by a previous run are swept at startup; directories not marked as ours are left alone', async () => {
  const dir = path.join(work, 'sweep', 'hls');
  fs.mkdirSync(path.join(dir, 'live'), { recursive: true });
  for (const f of ['.rtmp-server-hls', 'old.m3u8', 'old-1.ts', '.old.m3u8.tmp']) fs.writeFileSync(path.join(dir, 'live', f), 'x');
  // Not ours (say hls.dir was pointed at a source tree by mistake): never touched.
  fs.mkdirSync(path.join(dir, 'src'));
  for (const f of ['index.ts', 'list.m3u8']) fs.writeFileSync(path.join(dir, 'src', f), 'x');
  fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
  const factory = createHlsSinkFactory(hlsConfig(dir), quietLog);
  factories.push(factory);
  await factory.swept;
  expect(listFiles(dir)).toEqual(['keep.txt', 'src', 'src/index.ts', 'src/list.m3u8']);
});

test('malformed payloads are skipped and counted, and the stream still plays', async () => {
  const { dir, factory } = setup('malformed');
  const sink = factory('live', 'broken')!;
  const junk: FlvTag[] = [
    { type: 9, timestamp: 100, payload: Buffer.from([0x17, 0x01]) },                      // short
    { type: 9, timestamp: 100, payload: Buffer.from([0x27, 0x01, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1]) }, // NALU length past end
    { type: 9, timestamp: 100, payload: Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x42]) }, // truncated config
    { type: 8, timestamp: 100, payload: Buffer.from([0xaf, 0x00, 0xff]) },               // bad AudioSpecificConfig
    { type: 8, timestamp: 100, payload: Buffer.alloc(0) },
    { type: 9, timestamp: 100, payload: Buffer.from([0x12, 0x01, 0x02]) },               // not AVC
  ];
  feed(sink, tags.slice(0, 10));
  for (const j of junk) expect(() => sink.onMessage(j)).not.toThrow();
  feed(sink, tags.slice(10).filter((t) => t.timestamp < 6000));
  sink.end();
  await factory.flush();
  expect(factory.stats.skippedPayloads).toBe(junk.length);
  const info = await probe(path.join(dir, 'live', 'broken.m3u8'));
  expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
});

test('fed in real time, the live playlist is readable while the stream runs', async () => {
  const { dir, factory } = setup('realtime', { fragmentSeconds: 1, windowSeconds: 3 });
  const sink = factory('live', 'rt')!;
  const start = Date.now();
  const live = tags.filter((t) => t.timestamp < 4500);
  let i = 0;
  // Paced by the tags' own timestamps, as an encoder with -re would send them (bounded: ~4.5 s).
  while (i < live.length && Date.now() - start < 10000) {
    while (i < live.length && live[i].timestamp <= Date.now() - start) feed(sink, [live[i++]]);
    await new Promise((r) => setTimeout(r, 10));
  }
  const m3u8 = path.join(dir, 'live', 'rt.m3u8');
  expect(fs.existsSync(m3u8)).toBe(true);
  const pl = parsePlaylist(fs.readFileSync(m3u8, 'utf8'));
  expect(pl.segments.length).toBeGreaterThanOrEqual(2);
  expect(pl.segments.reduce((a, s) => a + s.duration, 0)).toBeLessThanOrEqual(3);
  const info = await probe(m3u8);
  expect(info.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 360 });
  sink.end();
});
