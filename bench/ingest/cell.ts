// One cell of the ingest bench: a server (companion or nginx-rtmp) pinned to a core, N publishers from the
// load client on the other core, one measurement window. Everything it starts it ends.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, waitForPort } from '../../test/helpers/ports';
import { IpcChild } from '../fanout/client-process';
import { Media } from '../fanout/media';
import { startNginx } from '../fanout/nginx';
import { cpuMs, Proc, rssBytes, runQueueWaitMs } from '../fanout/procs';
import { IngestCommand, IngestReply, PublisherStat } from './client/ingest-protocol';
import { listFiles, PlaylistState, probeNewest, ProbeResult, readPlaylist, verdict } from './hls-check';
import { APP, HLS_TIMING, IngestServer, ServerKind, startServer } from './servers';

export class IngestClient extends IpcChild<IngestCommand, IngestReply> {
  static async start(cpu: number | undefined, maxSeconds: number, maxPublishers: number): Promise<IngestClient> {
    const proc = await IpcChild.spawn(path.join(__dirname, 'client/ingest-client.ts'), 'ingest-client', cpu,
      ['--max-seconds', String(maxSeconds), '--max-publishers', String(maxPublishers)]);
    return new IngestClient(proc);
  }
}

export interface CellSpec {
  readonly server: ServerKind;
  /** Label of the media (e.g. "2.6M"). */
  readonly rate: string;
  readonly media: Media;
  readonly hls: boolean;
  readonly n: number;
  readonly windowSec: number;
  readonly warmupSec: number;
  readonly serverCpu?: number;
  readonly clientCpu?: number;
  /** Companion only: node flags (profiling). */
  readonly nodeArgs?: string[];
  /** Relay: the companion in relay mode pushes every stream to this many nginx-rtmp targets. */
  readonly relayTargets?: number;
  /** Bad input: this many extra misbehaving publishers (duplicate names, backwards timestamps, stalls). */
  readonly bad?: number;
}

export interface CellResult {
  readonly server: ServerKind;
  readonly rate: string;
  readonly mbps: number;
  readonly hls: boolean;
  readonly n: number;
  readonly relayTargets: number;
  readonly bad: number;
  readonly publishing: number;
  readonly rampMs: number;
  readonly windowSec: number;
  /** Server CPU per second of media it took in over the window (received from the publishers, not just offered). */
  readonly cpuMsPerStreamSec: number;
  /** Media the server took in over the media offered to it (N × window): below 1, it fell behind. */
  readonly takenShare: number;
  readonly serverCpuPct: number;
  /** Share of the window the server's main thread was runnable but waiting for a CPU (other work on its core). */
  readonly serverWaitPct: number;
  readonly clientCpuPct: number;
  readonly rssIdleMB: number;
  readonly rssMB: number;
  readonly rssPerStreamMB: number;
  /**
   * Share of the N streams still publishing and not falling behind: less than 1 s of media queued between client
   * and server (the least of three samples of the kernel queues through the window, plus the client's own buffer
   * at its end), or a queue that did not grow by 0.5 s of media over the window.
   */
  readonly keepUpShare: number;
  /** Median / max bytes queued (client user space + both kernels' queues), in seconds of media. */
  readonly lagMedianSec: number;
  readonly lagMaxSec: number;
  /** HLS on: share of the N streams whose playlist advanced on time. */
  readonly hlsOnTimeShare: number | null;
  readonly hlsAddedMedian: number | null;
  readonly probes: ProbeResult[];
  /** Share of streams that keep up and (HLS on) are on time: the cell's verdict. */
  readonly okShare: number;
  /** Bad-input runs: what the misbehaving publishers got, and files outside the HLS layout. */
  readonly badReport?: { duplicatesRefused: number; duplicates: number; backwardsOnTime: number; stallsPublishing: number; strayFiles: string[] };
  readonly errors: string[];
  ratioToNginx?: number | null;
  /** Repeated cells (rounds.ts): every round's CPU-ms per stream-second, in round order; this row is the median round. */
  readonly roundCpu?: number[];
  /** Repeated cells, companion: round k's CPU over nginx-rtmp's round k (the ratio reported is their median). */
  readonly pairedRatios?: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Bytes queued per client port on connections to `port`: the server's receive queue + the client's send queue. */
function kernelQueues(port: number): Map<number, number> {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${port} or dport = :${port} )`],
    { encoding: 'utf8', timeout: 10000, maxBuffer: 64 * 1024 * 1024 });
  const q = new Map<number, number>();
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [recvQ, sendQ] = [Number(f[0]), Number(f[1])];
    const local = Number(f[2].slice(f[2].lastIndexOf(':') + 1));
    const peer = Number(f[3].slice(f[3].lastIndexOf(':') + 1));
    if (local === port) q.set(peer, (q.get(peer) ?? 0) + recvQ); // server side: unread by the server
    else q.set(local, (q.get(local) ?? 0) + sendQ); // client side: not yet taken by the server's kernel
  }
  return q;
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Starts `k` nginx-rtmp relay targets (unpinned, HLS off). */
async function startTargets(k: number): Promise<{ procs: Proc[]; ports: number[] }> {
  const procs: Proc[] = [];
  const ports: number[] = [];
  for (let i = 0; i < k; i++) {
    const port = await freePort();
    const { proc } = startNginx(port, undefined);
    await waitForPort(port, 10000);
    procs.push(proc);
    ports.push(port);
  }
  return { procs, ports };
}

export async function runCell(c: CellSpec): Promise<CellResult> {
  let server: IngestServer | undefined;
  let client: IngestClient | undefined;
  let targets: { procs: Proc[]; ports: number[] } | undefined;
  try {
    if (c.relayTargets) targets = await startTargets(c.relayTargets);
    const extraConfig = targets
      ? ['mode: relay', 'relay:', '  targets:', ...targets.ports.map((p) => `    - 127.0.0.1:${p}`)]
      : undefined;
    server = await startServer(c.server, { hls: c.hls, cpu: c.serverCpu, nodeArgs: c.nodeArgs, extraConfig });
    const pid = server.proc.pid;
    const bad = c.bad ?? 0;
    client = await IngestClient.start(c.clientCpu, 900, c.n + bad);
    await sleep(500);
    const rssIdle = rssBytes(pid);

    const ramp = await client.request({
      cmd: 'start', port: server.rtmpPort, app: APP, names: names('s', c.n), file: c.media.file, chunkSize: 4096,
      mode: 'normal', batch: 50, batchTimeoutMs: 10000,
    }, 'started', Math.ceil(c.n / 50) * 10000 + 15000);
    const errors = [...ramp.errors];
    if (bad > 0) {
      // A third each: the names of live streams (must be refused), timestamps jumping back, 20 s stalls.
      const third = Math.ceil(bad / 3);
      const plan: [IngestCommand & { cmd: 'start' }][] = [];
      const common = { cmd: 'start' as const, port: server.rtmpPort, app: APP, file: c.media.file, chunkSize: 4096, batch: 50, batchTimeoutMs: 10000 };
      plan.push([{ ...common, names: names('s', Math.min(third, c.n)), mode: 'duplicate' }]);
      plan.push([{ ...common, names: names('back', third), mode: 'backwards' }]);
      plan.push([{ ...common, names: names('stall', bad - 2 * third), mode: 'stall' }]);
      for (const [cmd] of plan) {
        const r = await client.request(cmd, 'started', 30000);
        errors.push(...r.errors.map((e) => `${cmd.mode}: ${e}`));
      }
    }
    // HLS needs a few fragments before its playlists say anything; relay pushes need their connects.
    await sleep(Math.max(c.warmupSec, c.hls ? 2 * HLS_TIMING.fragmentSeconds + 2 : 0) * 1000);

    const before = new Map<string, PlaylistState | null>();
    if (c.hls) for (const s of names('s', c.n)) before.set(s, readPlaylist(server.playlist(s)));
    const sent0 = new Map((await client.request({ cmd: 'collect' }, 'collected', 20000)).publishers.map((p) => [p.localPort, p.sent - p.backlog]));
    const queue0 = kernelQueues(server.rtmpPort);
    const c0 = cpuMs(pid);
    const w0 = runQueueWaitMs(pid);
    const cc0 = cpuMs(client.proc.pid);
    const t0 = performance.now();
    let rssMax = 0;
    // Kernel queues sampled through the window: a server that keeps up empties them now and then (the least
    // seen counts); one that falls behind never does.
    const queueSamples: Map<number, number>[] = [];
    const sampleAt = [0.3, 0.6].map((x) => x * c.windowSec * 1000);
    while (performance.now() - t0 < c.windowSec * 1000 - 500) {
      await sleep(Math.min(1000, c.windowSec * 1000 - (performance.now() - t0)));
      rssMax = Math.max(rssMax, rssBytes(pid));
      if (sampleAt.length && performance.now() - t0 >= sampleAt[0]) { sampleAt.shift(); queueSamples.push(kernelQueues(server.rtmpPort)); }
    }
    const c1 = cpuMs(pid);
    const w1 = runQueueWaitMs(pid);
    const cc1 = cpuMs(client.proc.pid);
    const wallSec = (performance.now() - t0) / 1000;
    const rss = Math.max(rssMax, rssBytes(pid));
    const now = Date.now();

    queueSamples.push(kernelQueues(server.rtmpPort));
    if (process.env.BENCH_DEBUG) require('node:fs').writeFileSync('/tmp/ingest-debug-server.log', server.proc.output());
    const stats = (await client.request({ cmd: 'collect' }, 'collected', 20000)).publishers;
    const normal = stats.filter((p) => p.mode === 'normal');
    const lag = (p: PublisherStat) => (p.backlog + Math.min(...queueSamples.map((q) => q.get(p.localPort) ?? 0))) / c.media.byteRate;
    const lags = normal.filter((p) => p.state === 'publishing').map(lag);
    // Behind: more than 1 s of media queued all through the window and the queue still growing (a standing but
    // steady queue, as nginx-rtmp keeps, is not falling behind).
    const growth = (p: PublisherStat) => ((queueSamples[queueSamples.length - 1].get(p.localPort) ?? 0) - (queue0.get(p.localPort) ?? 0) +
      p.backlog) / c.media.byteRate;
    const keeps = (p: PublisherStat) => p.state === 'publishing' && (lag(p) < 1 || growth(p) < 0.5);
    // What the server really took in over the window (sent − what is still queued, at both ends), in stream-seconds:
    // a server that falls behind is charged for the media it processed, not for the media it was offered.
    const queue1 = queueSamples[queueSamples.length - 1];
    let taken = 0;
    for (const p of normal) {
      const s0 = sent0.get(p.localPort);
      if (s0 === undefined || p.state !== 'publishing') continue;
      taken += Math.max(0, (p.sent - p.backlog - s0) - ((queue1.get(p.localPort) ?? 0) - (queue0.get(p.localPort) ?? 0)));
    }
    const streamSeconds = taken / c.media.byteRate;

    let onTime: ((s: string) => boolean) | null = null;
    const added: number[] = [];
    if (c.hls) {
      const v = new Map<string, boolean>();
      for (const s of names('s', c.n)) {
        const pl = server.playlist(s);
        const r = verdict(before.get(s) ?? null, readPlaylist(pl), path.dirname(pl), wallSec, HLS_TIMING.fragmentSeconds, now);
        v.set(s, r.onTime);
        added.push(r.added);
      }
      onTime = (s) => v.get(s) ?? false;
    }
    const probes: ProbeResult[] = [];
    if (c.hls) {
      const picks = [...new Set([0, Math.floor(c.n / 2), c.n - 1])];
      for (const i of picks) probes.push(await probeNewest(`s${i}`, server.playlist(`s${i}`)));
    }
    const ok = normal.filter((p) => keeps(p) && (!onTime || onTime(p.name)));

    let badReport: CellResult['badReport'];
    if (bad > 0) {
      const dups = stats.filter((p) => p.mode === 'duplicate');
      const backs = stats.filter((p) => p.mode === 'backwards');
      const stalls = stats.filter((p) => p.mode === 'stall');
      // The companion keeps `{app}/` directories with its marker, playlists, segments, temp files;
      // nginx-rtmp writes `{stream}.m3u8` and `{stream}-{n}.ts` straight into hls_path.
      const layout = c.server === 'companion' ? /^live\/([\w.-]+\.(m3u8|ts|tmp)|\.[\w-]+)$/ : /^[\w.-]+\.(m3u8|ts)$/;
      const stray = listFiles(server.hlsRoot).filter((f) => !layout.test(f));
      badReport = {
        duplicates: dups.length,
        duplicatesRefused: dups.filter((p) => p.state === 'closed' && /BadName|refused|closed/.test(p.error)).length,
        backwardsOnTime: c.hls ? backs.filter((p) => readPlaylist(server!.playlist(p.name)) !== null).length : backs.filter((p) => p.state === 'publishing').length,
        stallsPublishing: stalls.filter((p) => p.state === 'publishing').length,
        strayFiles: stray.slice(0, 20),
      };
    }
    return {
      server: c.server, rate: c.rate, mbps: (c.media.byteRate * 8) / 1e6, hls: c.hls, n: c.n,
      relayTargets: c.relayTargets ?? 0, bad,
      publishing: normal.filter((p) => p.state === 'publishing').length, rampMs: Math.round(ramp.ms), windowSec: wallSec,
      cpuMsPerStreamSec: (c1 - c0) / Math.max(streamSeconds, 1e-9),
      takenShare: streamSeconds / (c.n * wallSec),
      serverCpuPct: (c1 - c0) / wallSec / 10,
      serverWaitPct: (w1 - w0) / wallSec / 10,
      clientCpuPct: (cc1 - cc0) / wallSec / 10,
      rssIdleMB: rssIdle / MB, rssMB: rss / MB, rssPerStreamMB: (rss - rssIdle) / c.n / MB,
      keepUpShare: normal.filter(keeps).length / c.n,
      lagMedianSec: median(lags), lagMaxSec: lags.length ? Math.max(...lags) : 0,
      hlsOnTimeShare: onTime ? names('s', c.n).filter(onTime).length / c.n : null,
      hlsAddedMedian: c.hls ? median(added) : null,
      probes, okShare: ok.length / c.n, badReport,
      errors: [...new Set([...errors, ...normal.filter((p) => p.error).map((p) => p.error)])].slice(0, 10),
    };
  } finally {
    if (client) await client.stop();
    if (server) await server.stop();
    for (const p of targets?.procs ?? []) await p.stop(3000);
  }
}
