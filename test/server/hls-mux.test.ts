/**
 * The MPEG-TS muxer through the HLS writer for streams with one track only, and the TS packet structure
 * itself (sync bytes, continuity counters, PAT/PMT at every segment start).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createHlsSinkFactory } from '../../images/rtmp-server/src/hls/output';
import { PID_AUDIO, PID_PAT, PID_PMT, PID_VIDEO } from '../../images/rtmp-server/src/protocol/mpegts';
import { readFlvTags } from '../helpers/flv-file';
import { feed, hlsConfig, parsePlaylist, quietLog } from '../helpers/hls';
import { countFrames, makeFlv, probe } from '../helpers/media';

const execFileP = promisify(execFile);
let work: string;
let src: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-mux-'));
  src = await makeFlv(path.join(work, 'src.flv'), 6);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Copies the source FLV keeping only some tracks (`-vn` / `-an`), no re-encode. */
async function strip(flag: '-vn' | '-an'): Promise<string> {
  const out = path.join(work, `src${flag}.flv`);
  await execFileP('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', src, '-c', 'copy', flag, '-f', 'flv', out]);
  return out;
}

/** Writes `flv` through a fresh HLS writer; returns the playlist path and the segment files. */
async function writeHls(name: string, flv: string): Promise<{ m3u8: string; segments: string[] }> {
  const dir = path.join(work, name);
  const factory = createHlsSinkFactory(hlsConfig(dir, { fragmentSeconds: 1, windowSeconds: 60 }), quietLog);
  const sink = factory('live', name)!;
  feed(sink, readFlvTags(flv));
  sink.end();
  await factory.flush();
  factory.close();
  const m3u8 = path.join(dir, 'live', `${name}.m3u8`);
  const segments = parsePlaylist(fs.readFileSync(m3u8, 'utf8')).segments.map((s) => path.join(dir, 'live', s.name));
  return { m3u8, segments };
}

test('audio-only stream: AAC segments cut on time', async () => {
  const { m3u8, segments } = await writeHls('audioonly', await strip('-vn'));
  expect(segments.length).toBeGreaterThanOrEqual(5);
  const info = await probe(m3u8);
  expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['audio:aac']);
});

test('audio-only stream whose metadata announced video: becomes audio-only after a few seconds', async () => {
  const audio = readFlvTags(await strip('-vn'));
  const meta = readFlvTags(src).find((t) => t.type === 18)!;
  expect(meta.payload.includes('videocodecid')).toBe(true);
  const dir = path.join(work, 'promised');
  const factory = createHlsSinkFactory(hlsConfig(dir, { fragmentSeconds: 1, windowSeconds: 60 }), quietLog);
  const sink = factory('live', 'promised')!;
  feed(sink, [meta, ...audio.filter((t) => t.type !== 18)]);
  sink.end();
  await factory.flush();
  factory.close();
  const m3u8 = path.join(dir, 'live', 'promised.m3u8');
  expect(parsePlaylist(fs.readFileSync(m3u8, 'utf8')).segments.length).toBeGreaterThanOrEqual(2);
  expect((await probe(m3u8)).streams.map((s) => s.codec_name)).toEqual(['aac']);
});

test('video-only stream: H.264 segments, frames decode', async () => {
  const { m3u8 } = await writeHls('videoonly', await strip('-an'));
  const info = await probe(m3u8);
  expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['video:h264']);
  expect(await countFrames(m3u8, 2)).toBeGreaterThan(0);
});

test('every segment: 188-byte packets, PAT+PMT first, continuity counters without gaps, keyframe first', async () => {
  const { segments } = await writeHls('packets', src);
  expect(segments.length).toBeGreaterThanOrEqual(5);
  const cc = new Map<number, number>();
  for (const file of segments) {
    const ts = fs.readFileSync(file);
    expect(ts.length % 188).toBe(0);
    const pid = (i: number): number => ((ts[i * 188 + 1] & 0x1f) << 8) | ts[i * 188 + 2];
    expect([pid(0), pid(1)]).toEqual([PID_PAT, PID_PMT]);
    // First video packet: payload start with random_access_indicator and a PCR.
    expect(pid(2)).toBe(PID_VIDEO);
    expect(ts[2 * 188 + 1] & 0x40).toBe(0x40);
    expect(ts[2 * 188 + 5] & 0x50).toBe(0x50);
    const pids = new Set<number>();
    for (let i = 0; i < ts.length / 188; i++) {
      const p = i * 188;
      expect(ts[p]).toBe(0x47);
      const id = pid(i);
      pids.add(id);
      const counter = ts[p + 3] & 0x0f;
      const prev = cc.get(id);
      if (prev !== undefined) expect(counter).toBe((prev + 1) & 0x0f);
      cc.set(id, counter);
    }
    expect([...pids].sort()).toEqual([PID_PAT, PID_VIDEO, PID_AUDIO, PID_PMT].sort());
  }
});
