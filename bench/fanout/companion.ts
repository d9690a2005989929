// The companion server (images/rtmp-server) as a bench peer: origin, or edge pulling from an origin.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort } from '../../test/helpers/ports';
import { CACHE_DIR } from './media';
import { Proc, start } from './procs';

export const SERVER_BUNDLE = path.resolve(__dirname, '../../images/rtmp-server/dist/main.js');
let bundle = SERVER_BUNDLE;

/** Runs another build of the server (e.g. a work-in-progress bundle) instead of dist/main.js. */
export function useServerBundle(file: string): void {
  if (!fs.existsSync(file)) throw new Error(`--server-bundle ${file} does not exist`);
  bundle = path.resolve(file);
}

/**
 * Builds the server bundle when it is missing (or when asked), as `npm run server` does, and runs a copy
 * of it, so every case of one run uses the same build even if dist/ is rebuilt meanwhile.
 */
export function ensureServerBundle(rebuild: boolean): void {
  if (rebuild || !fs.existsSync(SERVER_BUNDLE)) {
    execFileSync('npm', ['run', '-s', '-w', 'images/rtmp-server', 'build'], {
      cwd: path.resolve(__dirname, '../..'), stdio: 'inherit', timeout: 180_000,
    });
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  bundle = path.join(CACHE_DIR, 'rtmp-server-main.js');
  fs.copyFileSync(SERVER_BUNDLE, bundle);
}

export interface CompanionOptions {
  readonly mergeWriteMs: number;
  /** Edge mode: pull from this origin (`host:port` of its RTMP listener). */
  readonly origin?: string;
  readonly cpu?: number;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=DIR']. */
  readonly nodeArgs?: string[];
  /**
   * HLS on: `true` with the server's default timings (the HLS bench's origin), or these timings (the ingest
   * bench); off when absent.
   */
  readonly hls?: boolean | { fragmentSeconds: number; windowSeconds: number };
  /** Extra YAML lines for the config file (e.g. a relay section). */
  readonly extraConfig?: string[];
  /** Edge mode: fetch HLS from this origin HTTP listener (`--origin-http`). */
  readonly originHttp?: string;
}

export interface Companion {
  readonly proc: Proc;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly apiPort: number;
  /** Where HLS files go (`{hlsDir}/{app}/{stream}.m3u8`) when HLS is on. */
  readonly hlsDir: string;
}

export async function startCompanion(o: CompanionOptions): Promise<Companion> {
  const [rtmpPort, httpPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-companion-'));
  const config = path.join(dir, 'rtmp-server.yaml');
  // HLS off unless asked (the ingest and HLS benches): nginx-rtmp is not segmenting either in the fan-out bench,
  // and HLS is a per-stream cost, not a per-player one. No readiness grace or drain on SIGTERM: the bench closes
  // its clients first and wants a prompt exit (and a complete --cpu-prof file).
  const hls = typeof o.hls === 'object'
    ? ['hls:', '  enabled: true', `  fragmentSeconds: ${o.hls.fragmentSeconds}`, `  windowSeconds: ${o.hls.windowSeconds}`]
    : ['hls:', `  enabled: ${o.hls === true}`];
  fs.writeFileSync(config, [
    'play:', `  mergeWriteMs: ${o.mergeWriteMs}`,
    ...hls, ...(o.extraConfig ?? []),
    'lifecycle:', '  readinessGraceSeconds: 0', '  drainSeconds: 1',
    'log:', `  level: ${process.env.BENCH_SERVER_LOG ?? 'warn'}`, '', // BENCH_SERVER_LOG=info to debug a peer
  ].join('\n'));
  const args = [
    // BENCH_NODE_FLAGS: node/V8 flags to A/B (e.g. '--max-semi-space-size=8'), on top of the server's own.
    ...(o.nodeArgs ?? []), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), bundle,
    '--rtmp-port', String(rtmpPort), '--http-port', String(httpPort), '--api-port', String(apiPort),
    '--hls-dir', path.join(dir, 'hls'), '--config', config,
    ...(o.origin ? ['--mode', 'edge', '--origin', o.origin] : []),
    ...(o.originHttp ? ['--origin-http', o.originHttp] : []),
  ];
  const proc = start(o.origin ? 'companion-edge' : 'companion-origin', process.execPath, args, o.cpu);
  void proc.exited.then(() => fs.rmSync(dir, { recursive: true, force: true }));
  await Promise.race([
    Promise.all([waitForPort(rtmpPort, 15000), waitForPort(httpPort, 15000), waitForPort(apiPort, 15000)]),
    proc.exited.then((c) => { throw new Error(`companion server exited (${c}):\n${proc.output()}`); }),
  ]);
  return { proc, rtmpPort, httpPort, apiPort, hlsDir: path.join(dir, 'hls') };
}

/** GETs a path on the API; undefined when it is not there (yet) or slow. */
export async function apiGet(port: number, p: string): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(3000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}
