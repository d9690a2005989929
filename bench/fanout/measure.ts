// One bench case: a peer, a player count, one measurement window. Everything it starts it ends.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { LoadClient } from './client-process';
import { JoinTiming } from './client/protocol';
import { apiGet } from './companion';
import { Media } from './media';
import { PeerSpec, RunningPeer, startPeer, stopPeer } from './peers';
import { cpuMs, rssBytes, tcpBytesSent } from './procs';

export interface CaseOptions {
  readonly windowSec: number;
  readonly warmupSec: number;
  readonly joiners: number;
  /** Share of players reading at half the stream's byte rate (0 = none). */
  readonly slowFraction: number;
  readonly serverCpu?: number;
  readonly clientCpu?: number;
  readonly rampBatch: number;
  /** Extra node flags for the measured companion server (profiling). */
  readonly nodeArgs?: string[];
}

export interface JoinSummary {
  readonly count: number;
  readonly failed: number;
  readonly firstFrameMedianMs: number | null;
  readonly firstFrameP95Ms: number | null;
  /** Share of joiners whose first video frame was a keyframe (GOP cache). */
  readonly firstFrameKeyShare: number;
  readonly firstKeyMedianMs: number | null;
  readonly firstKeyP95Ms: number | null;
}

export interface CaseResult {
  readonly peer: string;
  readonly server: PeerSpec['server'];
  readonly proto: PeerSpec['proto'];
  readonly mergeWriteMs: number | null;
  readonly players: number;
  readonly slowPlayers: number;
  /** The publisher's output over the window (Mbit/s): the rate players are held to. */
  readonly publisherMbps: number;
  readonly playingAfterRamp: number;
  readonly rampMs: number;
  readonly windowSec: number;
  /** Share of (non-slow) players that received ≥ 95% of the expected bytes in the window. */
  readonly keepUpShare: number;
  /** Median and 5th percentile of (non-slow) players' bytes over the expected bytes. */
  readonly receivedMedian: number;
  readonly receivedP5: number;
  /** Median bytes received by slow players, relative to the expected bytes (≈ 0.5 when throttled). */
  readonly slowReceivedShare: number | null;
  readonly closedDuringWindow: number;
  readonly cpuMsPerPlayerSec: number;
  /** Server CPU over the window, % of one core. */
  readonly serverCpuPct: number;
  /** Server CPU with the publisher only (before players), % of one core. */
  readonly idleCpuPct: number;
  readonly rssIdleMB: number;
  readonly rssMB: number;
  readonly rssPerPlayerKB: number;
  /** RSS every second through the window, MB (flat = bounded queues). */
  readonly rssSamplesMB: number[];
  /** The load client's CPU over the window, % of one core: near 100 means the client, not the server, limits. */
  readonly clientCpuPct: number;
  readonly join: JoinSummary;
  /** Each joining player's timings (ms from connect start; -1 = never). */
  readonly joinTimings: JoinTiming[];
  /** Edge runs: connections on the origin's RTMP port (publisher + upstream pulls) and its API's count of players. */
  readonly origin?: { rtmpConnections: number; apiPlayers: number | null; cpuPct: number };
  /** Counters from the measured server's /metrics about drops, slow players, closes and upstream pulls. */
  readonly metrics?: Record<string, number>;
  readonly errors: string[];
  /** This case's CPU-ms per player-second over nginx-rtmp's at the same player count (filled by run.ts). */
  ratioToNginx?: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

export function quantile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

function summariseJoin(t: JoinTiming[]): JoinSummary {
  const ok = t.filter((x) => x.firstFrameMs >= 0);
  const keys = t.filter((x) => x.firstKeyMs >= 0).map((x) => x.firstKeyMs);
  const frames = ok.map((x) => x.firstFrameMs);
  return {
    count: t.length,
    failed: t.length - ok.length,
    firstFrameMedianMs: quantile(frames, 0.5),
    firstFrameP95Ms: quantile(frames, 0.95),
    firstFrameKeyShare: ok.length ? ok.filter((x) => x.firstFrameKey).length / ok.length : 0,
    firstKeyMedianMs: quantile(keys, 0.5),
    firstKeyP95Ms: quantile(keys, 0.95),
  };
}

/** Established TCP connections whose local port is `port` (the server side of each client). */
function establishedOn(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8', timeout: 5000 });
  return out.split('\n').filter((l) => l.trim()).length;
}

async function originPlayers(apiPort: number): Promise<number | null> {
  const body = await apiGet(apiPort, '/api/v1/clients?count=1000');
  try {
    const clients = (JSON.parse(body ?? '') as { clients?: { publish?: boolean }[] }).clients;
    return Array.isArray(clients) ? clients.filter((c) => c.publish === false).length : null;
  } catch {
    return null;
  }
}

async function dropCounters(apiPort: number): Promise<Record<string, number> | undefined> {
  const text = await apiGet(apiPort, '/metrics');
  if (!text) return undefined;
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+([-\d.eE+]+)$/.exec(line.trim());
    if (m && /drop|slow|clos|kick|queue|upstream/i.test(m[1])) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Starts the peer, waits until its stream plays, measures, joins a few players, and tears it all down. */
export async function runCase(spec: PeerSpec, players: number, media: Media, o: CaseOptions): Promise<CaseResult> {
  let peer: RunningPeer | undefined;
  let client: LoadClient | undefined;
  try {
    peer = await startPeer(spec, media, o.serverCpu, o.nodeArgs);
    const pid = peer.server.pid;
    client = await LoadClient.start(o.clientCpu, 600);
    const live = await client.request({ cmd: 'join', target: peer.target, count: 1, spacingMs: 0, timeoutMs: 15000 }, 'joined', 20000);
    if (live.timings[0].firstKeyMs < 0) {
      throw new Error(`${spec.id}: stream did not play within 15 s (${live.timings[0].error || 'no keyframe'})\n` +
        `server: ${peer.server.output().slice(-2000)}\npublisher: ${peer.publisher.output().slice(-1000)}`);
    }

    tcpBytesSent(peer.publisher.pid); // finds the publisher's connection while there are few sockets
    await sleep(1000);
    const rssIdle = rssBytes(pid);
    const idle0 = cpuMs(pid);
    await sleep(2000);
    const idleCpuPct = (cpuMs(pid) - idle0) / 20;

    const slowRate = media.byteRate / 2;
    const rampTimeout = Math.ceil(players / o.rampBatch) * 10000 + 10000;
    const ramped = await client.request({
      cmd: 'ramp', target: peer.target, count: players, batch: o.rampBatch, batchTimeoutMs: 10000,
      slowFraction: o.slowFraction, slowRate,
    }, 'ramped', rampTimeout);
    await sleep(o.warmupSec * 1000);

    const originCpu0 = peer.origin ? cpuMs(peer.origin.proc.pid) : 0;
    const c0 = cpuMs(pid);
    const cc0 = cpuMs(client.proc.pid);
    const w0 = tcpBytesSent(peer.publisher.pid);
    const t0 = performance.now();
    await client.request({ cmd: 'mark' }, 'marked', 5000);
    const rssSamples: number[] = [];
    const windowEnd = t0 + o.windowSec * 1000;
    while (performance.now() < windowEnd - 1000) {
      await sleep(1000);
      rssSamples.push(rssBytes(pid) / MB);
    }
    await sleep(Math.max(0, windowEnd - performance.now()));
    const col = await client.request({ cmd: 'collect' }, 'collected', 10000);
    const c1 = cpuMs(pid);
    const cc1 = cpuMs(client.proc.pid);
    const w1 = tcpBytesSent(peer.publisher.pid);
    const wallSec = (performance.now() - t0) / 1000;
    const originCpuPct = peer.origin ? (cpuMs(peer.origin.proc.pid) - originCpu0) / wallSec / 10 : 0;
    const rss = rssBytes(pid);

    // What the publisher really sent in the window is what a keeping-up player should get (the file's
    // average rate is the fallback when that cannot be read).
    const publisherByteRate = (w1 - w0) / wallSec;
    const expected = (publisherByteRate > media.byteRate / 2 ? publisherByteRate : media.byteRate) * (col.windowMs / 1000);
    const normal = col.deltas.filter((_, i) => !col.slow[i]);
    const slowDeltas = col.deltas.filter((_, i) => col.slow[i]);
    const metrics = peer.apiPort ? await dropCounters(peer.apiPort) : undefined;
    const origin = peer.origin ? {
      rtmpConnections: establishedOn(peer.origin.rtmpPort),
      apiPlayers: await originPlayers(peer.origin.apiPort),
      cpuPct: originCpuPct,
    } : undefined;

    const joined = await client.request({
      cmd: 'join', target: peer.target, count: o.joiners, spacingMs: 150, timeoutMs: 8000,
    }, 'joined', o.joiners * 150 + 15000);

    return {
      peer: spec.id, server: spec.server, proto: spec.proto, mergeWriteMs: spec.mergeWriteMs ?? null,
      players, slowPlayers: slowDeltas.length, publisherMbps: (publisherByteRate * 8) / 1e6,
      playingAfterRamp: ramped.playing, rampMs: Math.round(ramped.ms), windowSec: wallSec,
      keepUpShare: normal.length ? normal.filter((d) => d >= 0.95 * expected).length / normal.length : 0,
      receivedMedian: (quantile(normal, 0.5) ?? 0) / expected,
      receivedP5: (quantile(normal, 0.05) ?? 0) / expected,
      slowReceivedShare: slowDeltas.length ? quantile(slowDeltas, 0.5)! / expected : null,
      closedDuringWindow: col.closedDuringWindow,
      cpuMsPerPlayerSec: (c1 - c0) / (players * wallSec),
      serverCpuPct: (c1 - c0) / wallSec / 10,
      idleCpuPct,
      rssIdleMB: rssIdle / MB,
      rssMB: rss / MB,
      rssPerPlayerKB: (rss - rssIdle) / players / 1024,
      rssSamplesMB: rssSamples.map((x) => Math.round(x * 10) / 10),
      clientCpuPct: (cc1 - cc0) / wallSec / 10,
      join: summariseJoin(joined.timings),
      joinTimings: joined.timings.map((t) => ({
        ...t, firstMediaMs: Math.round(t.firstMediaMs), firstFrameMs: Math.round(t.firstFrameMs), firstKeyMs: Math.round(t.firstKeyMs),
      })),
      origin, metrics,
      errors: [...new Set([...ramped.errors, ...col.errors, ...joined.timings.filter((t) => t.error).map((t) => `joiner: ${t.error}`)])],
    };
  } finally {
    if (client) await client.stop();
    if (peer) await stopPeer(peer);
  }
}
