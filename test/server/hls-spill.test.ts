/**
 * The HLS writer's spill to disk, on real files: a segment's bytes go to `.{name}.tmp` in pieces while it is
 * muxed and the file becomes the segment on close; warm-up segments never reach the disk; an aborted segment
 * leaves no temp file. FLV tags come from an ffmpeg-made file; ffprobe reads the result.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MediaMessage, TimelineInfo } from '../../images/rtmp-server/src/hub/types';
import { hlsPaths, HlsPaths } from '../../images/rtmp-server/src/hls/paths';
import { emptyHlsStats, hlsPendingBytes, HlsStats, HlsWriter, MAX_PENDING_ALL_BYTES, SPILL_BYTES, spillPieceBytes } from '../../images/rtmp-server/src/hls/writer';
import { FlvTag, readFlvTags } from '../helpers/flv-file';
import { parsePlaylist, quietLog } from '../helpers/hls';
import { makeFlv, probe } from '../helpers/media';

let work: string;
let tags: FlvTag[];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-spill-'));
  tags = readFlvTags(await makeFlv(path.join(work, 'src.flv'), 12));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** 4 s slots: at the helper's ~560 kbit/s a segment is ~280 KB, about two pieces of SPILL_BYTES. */
function setup(name: string, fragmentSeconds = 4): { dir: string; paths: HlsPaths; writer: HlsWriter; stats: HlsStats } {
  const dir = path.join(work, name);
  const paths = hlsPaths(dir, 'live', 'livestream')!;
  const stats = emptyHlsStats();
  const writer = new HlsWriter(paths, { fragmentSeconds, windowSeconds: 30, cleanupDelaySeconds: 1 }, stats, quietLog,
    Promise.resolve());
  return { dir, paths, writer, stats };
}

function feed(writer: HlsWriter, list: readonly FlvTag[], timeline?: TimelineInfo): void {
  for (const t of list) writer.onMessage({ type: t.type, timestamp: t.timestamp, payload: t.payload } as MediaMessage, timeline);
}

/** Every file under `root` (relative paths), empty if it does not exist. */
function tree(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();
}

const tmpOf = (paths: HlsPaths, seq: number): string => paths.file(`.${paths.segmentName(seq)}.tmp`);

test('a segment larger than SPILL_BYTES is written in pieces to a temp file that becomes the segment on close', async () => {
  const { dir, paths, writer, stats } = setup('pieces');
  // Slot 0 (0-4 s) open, most of it muxed: its first pieces are on disk, under the temp name only.
  feed(writer, tags.filter((t) => t.timestamp < 3500));
  await writer.flushed();
  const tmp = tmpOf(paths, 0);
  const final = paths.file(paths.segmentName(0));
  expect(fs.existsSync(tmp)).toBe(true);
  const partial = fs.statSync(tmp).size;
  expect(partial).toBeGreaterThanOrEqual(SPILL_BYTES - 188);
  expect(fs.existsSync(final)).toBe(false);
  expect(fs.existsSync(paths.playlist)).toBe(false);
  expect(stats.segmentsWritten).toBe(0);

  feed(writer, tags.filter((t) => t.timestamp >= 3500));
  writer.end();
  await writer.flushed();
  expect(fs.existsSync(tmp)).toBe(false);
  expect(fs.statSync(final).size).toBeGreaterThan(partial);
  // The playlist names only complete segments, all on disk; no temp file is left anywhere.
  const pl = parsePlaylist(fs.readFileSync(paths.playlist, 'utf8'));
  expect(pl.segments.map((s) => s.name)).toEqual([0, 1, 2].map((n) => paths.segmentName(n)));
  expect(tree(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const s of pl.segments) expect(fs.existsSync(paths.file(s.name))).toBe(true);
  expect(stats.bytesWritten).toBe(pl.segments.reduce((a, s) => a + fs.statSync(paths.file(s.name)).size, 0));
  expect(stats.writeErrors).toBe(0);
  const info = await probe(final);
  expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  await writer.cleanup();
  expect(tree(dir)).toEqual([]);
});

test('pieces follow the bitrate: a quarter of the last segment, between 32 KiB and SPILL_BYTES', () => {
  expect(spillPieceBytes(0)).toBe(32 * 1024);
  expect(spillPieceBytes(20_000)).toBe(32 * 1024); // audio only, 2 s
  expect(spillPieceBytes(128 * 1024)).toBe(32 * 1024);
  expect(spillPieceBytes(150_000)).toBe(64 * 1024); // 600 kbit/s, 2 s
  expect(spillPieceBytes(650_000)).toBe(SPILL_BYTES); // 2.6 Mbit/s, 2 s
  expect(spillPieceBytes(64 * 1024 * 1024)).toBe(SPILL_BYTES);
});

test('after its first segment a stream spills in pieces sized by that segment', async () => {
  const { paths, writer } = setup('piece-size', 2);
  // Slot 1 (2-4 s) muxed up to 3.8 s: its temp file holds whole pieces of the new size only.
  feed(writer, tags.filter((t) => t.timestamp < 3800));
  await writer.flushed();
  const piece = spillPieceBytes(fs.statSync(paths.file(paths.segmentName(0))).size);
  expect(piece).toBe(64 * 1024); // ~140 KB segments
  const partial = fs.statSync(tmpOf(paths, 1)).size;
  // Whole pieces of that size written, each cut at a packet boundary just short of it.
  expect(partial % 188).toBe(0);
  const pieces = Math.round(partial / piece);
  expect(pieces).toBeGreaterThanOrEqual(1);
  expect(partial / pieces).toBeLessThanOrEqual(piece);
  expect(partial / pieces).toBeGreaterThan(piece - 2048);
  writer.end();
  await writer.cleanup();
});

test('warm-up segments (a writer that joined mid-stream) leave no file, temp or final', async () => {
  const { dir, paths, writer, stats } = setup('warmup');
  const joined: TimelineInfo = { jumped: false, fromStart: false };
  // Joined at 0.5 s (sequence headers first): 0.5-4 s is a warm-up, more than one piece of bytes.
  const isHeader = (t: FlvTag): boolean => t.type === 18 || t.payload[1] === 0;
  const late = tags.filter((t) => t.timestamp >= 500 || (t.timestamp === 0 && isHeader(t)));
  feed(writer, late.filter((t) => t.timestamp < 3900), joined);
  await writer.flushed();
  expect(tree(dir)).toEqual([]);

  feed(writer, late.filter((t) => t.timestamp >= 3900), joined);
  writer.end();
  await writer.flushed();
  const names = tree(path.join(dir, 'live'));
  expect(names).not.toContain(paths.segmentName(0));
  expect(names.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  const pl = parsePlaylist(fs.readFileSync(paths.playlist, 'utf8'));
  expect(pl.segments.map((s) => s.name)).toEqual([1, 2].map((n) => paths.segmentName(n)));
  expect(stats.segmentsWritten).toBe(2);
  await writer.cleanup();
});

test('a segment given up while open (cleanup) leaves no temp file', async () => {
  const { dir, paths, writer, stats } = setup('abort');
  feed(writer, tags.filter((t) => t.timestamp < 3500));
  await writer.flushed();
  expect(fs.existsSync(tmpOf(paths, 0))).toBe(true);
  await writer.cleanup();
  expect(tree(dir)).toEqual([]);
  expect(stats.segmentsWritten).toBe(0);
  expect(stats.writeErrors).toBe(0);
});

test('bytes waiting for the disk are bounded over every stream of the process: past the bound segments are dropped, and the count returns to 0', async () => {
  // 40 streams each fed 10 copies of the 12 s file at once (no await: the disk cannot keep up) is ~330 MB of segments.
  const writers = Array.from({ length: 40 }, (_, i) => setup(`budget-${i}`));
  let peak = 0;
  for (let round = 0; round < 10; round++) {
    for (const { writer } of writers) {
      for (const t of tags) writer.onMessage({ type: t.type, timestamp: t.timestamp + round * 12_000, payload: t.payload } as MediaMessage);
      peak = Math.max(peak, hlsPendingBytes());
    }
  }
  expect(peak).toBeGreaterThan(MAX_PENDING_ALL_BYTES / 2); // the feed did outrun the disk
  expect(peak).toBeLessThanOrEqual(MAX_PENDING_ALL_BYTES);
  expect(writers.reduce((a, w) => a + w.stats.droppedSegments, 0)).toBeGreaterThan(0);
  for (const { writer } of writers) writer.end();
  await Promise.all(writers.map(({ writer }) => writer.flushed()));
  expect(hlsPendingBytes()).toBe(0);
  await Promise.all(writers.map(({ writer }) => writer.cleanup()));
}, 120_000);
