// Long-running ffmpeg players for the API and drain tests: each reports how many video frames it has decoded.
import { ChildProcess, spawn } from 'node:child_process';

export interface Player {
  readonly proc: ChildProcess;
  /** Video frames decoded so far (from ffmpeg -progress). */
  frames(): number;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Plays `url` (rtmp:// or http://...flv) for at most `seconds`, decoding video to null. */
export function play(url: string, seconds = 30): Player {
  const proc = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostats', '-rw_timeout', '10000000', '-i', url,
    '-t', String(seconds), '-map', '0:v:0', '-f', 'null', '-', '-progress', 'pipe:1',
  ], { stdio: ['ignore', 'pipe', 'ignore'] });
  let frames = 0;
  proc.stdout!.on('data', (d: Buffer) => {
    const all = [...String(d).matchAll(/^frame=(\d+)$/gm)];
    if (all.length) frames = Number(all[all.length - 1][1]);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return {
    proc,
    frames: () => frames,
    exited,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves with fn()'s value once it is truthy; at most `tries` polls (bounded). */
export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, tries = 100, everyMs = 200): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    last = await fn();
    if (last !== undefined && last !== false) return last as T;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not reached (last value ${JSON.stringify(last)})`);
}

/** GET a JSON body. */
export async function getJson(url: string, init?: RequestInit): Promise<any> {
  const r = await fetch(url, init);
  return r.json();
}

/** The value of an unlabelled (or exactly labelled) sample in Prometheus text. */
export function metric(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
