/**
 * Shared by the relay and origin-cluster end-to-end tests: a cheap looping publisher (a pre-encoded FLV sent
 * with -c copy, so the two shared cores are not spent on x264), the resolve-file seam, and bounded polls of
 * a server's API.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeFlv } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';

let fixture: Promise<string> | null = null;

/** A 4 s H.264/AAC FLV of the test signal, made once per test file. */
export function testFlv(): Promise<string> {
  fixture ??= makeFlv(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-flv-')), 'signal.flv'), 4);
  return fixture;
}

export interface LoopPublisher {
  readonly proc: ChildProcess;
  readonly running: () => boolean;
  readonly stderr: () => string;
  readonly stop: () => Promise<void>;
}

/** Publishes the fixture in real time to `url`, looped, for `seconds` (ffmpeg stops by itself). */
export async function publishLoop(url: string, seconds: number): Promise<LoopPublisher> {
  const file = await testFlv();
  const proc = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file,
    '-t', String(seconds), '-c', 'copy', '-f', 'flv', url,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    running: () => proc.exitCode === null && proc.signalCode === null,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** The resolve-file seam (RTMP_SERVER_RESOLVE_FILE): name → addresses, rewritten atomically. */
export class ResolveFile {
  readonly file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'resolve-')), 'names.json');
  private readonly names: Record<string, string[]> = {};

  set(name: string, addresses: string[]): void {
    this.names[name] = addresses;
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(this.names));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }

  env(): Record<string, string> { return { RTMP_SERVER_RESOLVE_FILE: this.file }; }
}

/** GET a JSON URL (bounded). */
export async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.json();
}

export interface ApiStream { name: string; app: string; publish: { active: boolean }; clients: number }

/** The streams a server's API lists. */
export async function streamsOf(server: RunningServer): Promise<ApiStream[]> {
  const body = await getJson(server.apiUrl('/api/v1/streams?count=100'));
  return body.streams as ApiStream[];
}

/** Whether `server` has `app/name` with an active publisher. */
export async function isPublishing(server: RunningServer, name: string, app = 'live'): Promise<boolean> {
  try {
    return (await streamsOf(server)).some((s) => s.app === app && s.name === name && s.publish?.active);
  } catch {
    return false;
  }
}

/** Polls `check` every 200 ms until it is true, or throws `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts `n` origins that find each other as `origin-headless:1985` through the resolve file (re-resolved every
 * 0.5 s), with short HLS fragments so playlists exist quickly.
 */
export async function startOrigins(names: ResolveFile, n: number): Promise<RunningServer[]> {
  const origins: RunningServer[] = [];
  for (let i = 0; i < n; i++) {
    origins.push(await startServer({
      args: ['--peers', 'origin-headless:1985'],
      configYaml: 'cluster:\n  resolveSeconds: 0.5\nhls:\n  fragmentSeconds: 1\n  windowSeconds: 4\n',
      env: names.env(),
    }));
  }
  names.set('origin-headless', origins.map((o) => `127.0.0.1:${o.apiPort}`));
  return origins;
}
