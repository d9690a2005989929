/**
 * FLV → MP4 without re-encoding: `ffmpeg -c copy` on a closed recording (the image installs ffmpeg).
 * At most MAX_RUNNING remuxes run at once, so many streams ending together never start a process each.
 */
import { execFile } from 'node:child_process';

const MAX_RUNNING = 2;
/** A remux that takes longer is killed (a copy of hours of media takes seconds). */
const TIMEOUT_MS = 10 * 60 * 1000;

let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(job: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Writes `output` (MP4, moov at the front for progressive playback) from the FLV `input`; rejects with ffmpeg's message. */
export function remuxToMp4(input: string, output: string, ffmpeg = process.env.RTMP_SERVER_FFMPEG || 'ffmpeg'): Promise<void> {
  return slot(() => new Promise<void>((resolve, reject) => {
    execFile(ffmpeg, [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'flv', '-i', input,
      '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', output,
    ], { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ffmpeg remux failed: ${String(stderr).trim().slice(0, 300) || err.message}`));
      else resolve();
    });
  }));
}
