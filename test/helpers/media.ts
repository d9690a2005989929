import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** A small H.264 + AAC test signal (640x360, 25 fps, 1 s GOP), the same for every test. */
const LAVFI_INPUT = [
  '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
  '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
];
const ENCODE = [
  '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
  '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-b:v', '500k',
  '-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '2',
];

/** A running ffmpeg publisher; `stop()` ends it by PID. */
export interface Publisher {
  readonly proc: ChildProcess;
  readonly stderr: () => string;
  readonly stop: () => Promise<void>;
  readonly exited: Promise<number | null>;
}

/**
 * Publishes the lavfi test signal in real time to `url` (RTMP) for `seconds` (bounded: ffmpeg stops by itself).
 */
export function publish(url: string, seconds = 20): Publisher {
  const proc = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    ...LAVFI_INPUT, '-t', String(seconds), ...ENCODE, '-f', 'flv', url,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return {
    proc,
    exited,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Generates an FLV file of `seconds` of the test signal (for fixtures and -stream_loop publishing). */
export async function makeFlv(file: string, seconds = 6): Promise<string> {
  await execFileP('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...LAVFI_INPUT, '-t', String(seconds), ...ENCODE, '-f', 'flv', file]);
  return path.resolve(file);
}

export interface ProbeResult {
  readonly streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string }[];
  readonly format?: { format_name: string };
}

/** Runs ffprobe on a URL (rtmp://, http://...flv, http://...m3u8) with a timeout, returns its JSON. */
export async function probe(url: string, timeoutSec = 15): Promise<ProbeResult> {
  const { stdout } = await execFileP('ffprobe', [
    '-hide_banner', '-loglevel', 'error', '-rw_timeout', String(timeoutSec * 1_000_000),
    '-show_streams', '-show_format', '-of', 'json', url,
  ], { timeout: (timeoutSec + 5) * 1000 });
  return JSON.parse(stdout) as ProbeResult;
}

/**
 * Plays `url` for up to `seconds` with ffmpeg and counts decoded video frames: proves media arrives, not just headers.
 */
export async function countFrames(url: string, seconds = 3, timeoutSec = 20): Promise<number> {
  const { stderr } = await execFileP('ffmpeg', [
    '-hide_banner', '-nostats', '-loglevel', 'info', '-rw_timeout', String(timeoutSec * 1_000_000),
    '-i', url, '-t', String(seconds), '-map', '0:v:0', '-f', 'null', '-',
  ], { timeout: (timeoutSec + seconds + 5) * 1000 });
  const m = [...stderr.matchAll(/frame=\s*(\d+)/g)];
  return m.length ? Number(m[m.length - 1][1]) : 0;
}
