// The bench's one stream: a pre-encoded 720p FLV (generated once into bench/.cache), published in a loop
// in real time with `ffmpeg -re -stream_loop -1 -c copy`, so every peer gets exactly the same bytes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Proc, start } from './procs';

export const CACHE_DIR = path.resolve(__dirname, '../.cache');

/** What a cached file is made of; change it and the cache key (file name) changes with it. */
export interface EncodeSpec {
  readonly size: string;
  readonly fps: number;
  readonly gopFrames: number;
  readonly videoKbps: number;
  readonly audioKbps: number;
  readonly seconds: number;
}

/** The fan-out bench's stream: 720p at about 2.6 Mbit/s. */
export const ENCODE: EncodeSpec = {
  size: '1280x720', fps: 25, gopFrames: 50, videoKbps: 2500, audioKbps: 128, seconds: 10,
};

export interface Media {
  readonly file: string;
  /** Bytes per second of the file (what a keeping-up player must receive). */
  readonly byteRate: number;
  readonly seconds: number;
  readonly description: string;
}

/** Returns the cached bench FLV, encoding it first if it is missing (a few seconds of libx264). */
export function benchMedia(e: EncodeSpec = ENCODE): Media {
  const file = path.join(CACHE_DIR, `bench-${e.size}-${e.fps}fps-g${e.gopFrames}-${e.videoKbps}k-${e.audioKbps}k-${e.seconds}s.flv`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.tmp.flv`;
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${e.size}:rate=${e.fps}`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(e.seconds),
      // noise keeps the encoder at its bitrate (a test card alone compresses to almost nothing)
      '-vf', 'noise=alls=12:allf=t+u',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
      '-g', String(e.gopFrames), '-keyint_min', String(e.gopFrames), '-sc_threshold', '0',
      '-b:v', `${e.videoKbps}k`, '-maxrate', `${e.videoKbps}k`, '-bufsize', `${e.videoKbps}k`,
      '-c:a', 'aac', '-b:a', `${e.audioKbps}k`, '-ar', '48000', '-ac', '2',
      '-f', 'flv', tmp,
    ], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
    fs.renameSync(tmp, file);
  }
  const seconds = Number(execFileSync('ffprobe', [
    '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file,
  ], { encoding: 'utf8', timeout: 30_000 }).trim());
  const byteRate = fs.statSync(file).size / seconds;
  return {
    file, byteRate, seconds,
    description: `${e.size} ${e.fps} fps H.264 (${e.gopFrames / e.fps} s GOP) + AAC, ` +
      `${((byteRate * 8) / 1e6).toFixed(2)} Mbit/s, ${seconds.toFixed(1)} s looped`,
  };
}

/** Publishes the file in a loop, in real time, to `url`. */
export function publish(media: Media, url: string): Proc {
  return start('publisher', 'ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', media.file,
    '-c', 'copy', '-f', 'flv', url,
  ]);
}
