// The HLS fan-out bench: `npm run bench -- --hls 500,1000,2000` (see bench/README.md, "HLS").
// For each player count, each peer in turn (order alternating so machine drift cancels): the HLS load client
// holds N hls.js-like players on the measured server for the window; prints and writes bench/results/hls.*.
import { buildSync } from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { apiGet } from '../fanout/companion';
import { benchMedia, CACHE_DIR, Media } from '../fanout/media';
import { nginxVersion } from '../fanout/nginx';
import { CaseResult } from '../fanout/measure';
import { cpuPlot } from '../fanout/plot-svg';
import { cpuMs, Proc, rssBytes, start } from '../fanout/procs';
import { topFrames } from '../fanout/profile-summary';
import { HLS_PEERS, HlsPeerId, PLAYLIST, RunningHlsPeer, startHlsPeer } from './hls-peers';

export interface HlsOptions {
  readonly counts: number[];
  readonly peers: HlsPeerId[];
  readonly windowSec: number;
  readonly warmupSec: number;
  readonly serverCpu?: number;
  readonly clientCpu?: number;
  readonly out: string;
  readonly deadline: number;
  /** Also run these peers (the companion edge, the Node floor) once at the largest count under `node --cpu-prof` and print their top frames. */
  readonly profile?: HlsPeerId[];
  /** Run the peers two at a time, at once on the same server core (each with its own load client). */
  readonly paired?: boolean;
}

export interface HlsCaseResult {
  readonly peer: HlsPeerId;
  readonly players: number;
  /** --paired: the peers measured at the same time as this one, on the same core. */
  readonly concurrentWith?: HlsPeerId[];
  /** Which run of the bench measured it (peers measured at once share one). */
  readonly group?: number;
  /** Share of players that fetched every segment before it left the playlist, with no error, in the window. */
  readonly keepUpShare: number;
  readonly missedSegments: number;
  readonly errors: number;
  readonly segmentsPerPlayer: number;
  /** Measured server CPU over the window, less its CPU with the publisher only (the origin's own segmenting). */
  readonly cpuMsPerPlayerSec: number;
  readonly serverCpuPct: number;
  readonly idleCpuPct: number;
  readonly rssPerPlayerKB: number;
  readonly clientCpuPct: number;
  /** All load clients of the case's group (one, or two with --paired): the client core's load. */
  readonly clientCoreCpuPct?: number;
  /** Segment requests the origin answered since start per distinct segment the players fetched (1.00 = one per segment). */
  readonly originRequestsPerSegment: number | null;
  /** Player errors in the window by message. */
  readonly errorKinds: Record<string, number>;
  /** The measured server's last log lines when players saw errors (warnings and above). */
  readonly serverLogTail?: string;
  readonly playlistRequestsAtOrigin: number | null;
  readonly servedMbps: number;
  ratioToNginx?: number | null;
  /** The ratio compares unlike work: its nginx peer lost players (kept < 99 % up), or either case was client-bound. */
  ratioNotComparable?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLIENT = path.join(CACHE_DIR, 'hls-client.js');

interface ClientStats { fetched: number; missed: number; errors: number; bytes: number; playlists: number }

class HlsClient {
  private constructor(readonly proc: Proc) {}
  static async start(cpu: number | undefined): Promise<HlsClient> {
    buildSync({ entryPoints: [path.join(__dirname, 'hls-client.ts')], outfile: CLIENT, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
    const c = new HlsClient(start('hls-client', process.execPath, [CLIENT, '900'], cpu, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
    await c.next('ready', 10000);
    return c;
  }
  request(cmd: object, event: string, timeoutMs: number): Promise<any> {
    const r = this.next(event, timeoutMs);
    this.proc.child.send(cmd);
    return r;
  }
  private next(event: string, timeoutMs: number): Promise<any> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.proc.child.off('message', on); reject(new Error(`hls client: no ${event} in ${timeoutMs} ms`)); }, timeoutMs);
      const on = (m: { event: string }) => { if (m.event === event) { clearTimeout(t); this.proc.child.off('message', on); resolve(m); } };
      this.proc.child.on('message', on);
    });
  }
  async stop(): Promise<void> {
    if (this.proc.child.connected) this.proc.child.send({ cmd: 'exit' });
    await Promise.race([this.proc.exited, sleep(3000)]);
    await this.proc.stop(1000);
  }
}

/** `name{labels} value` from a /metrics text. */
function sample(text: string | undefined, series: string): number | null {
  if (!text) return null;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

async function runHlsCase(id: HlsPeerId, n: number, media: Media, o: HlsOptions, nodeArgs?: string[]): Promise<HlsCaseResult> {
  return (await runHlsCases([id], n, media, o, nodeArgs))[0];
}

/**
 * Runs the peers at once (one for a plain case; two for --paired): each with its own origin, publisher and
 * load client, measured over the same window, so what else runs on a shared machine weighs on all of them alike.
 */
async function runHlsCases(ids: HlsPeerId[], n: number, media: Media, o: HlsOptions, nodeArgs?: string[]): Promise<HlsCaseResult[]> {
  const peers: RunningHlsPeer[] = [];
  const clients: HlsClient[] = [];
  try {
    for (const id of ids) peers.push(await startHlsPeer(id, media, o.serverCpu, nodeArgs));
    for (const peer of peers) {
      const deadline = Date.now() + 30000;
      while ((await fetch(`http://127.0.0.1:${peer.port}${PLAYLIST}`).then((r) => r.text(), () => '')).split('#EXTINF').length < 4) {
        if (Date.now() > deadline) throw new Error(`${peer.id}: no playlist with 3 segments in 30 s\n${peer.server.output().slice(-1500)}`);
        await sleep(500);
      }
    }
    const pids = peers.map((p) => p.server.pid);
    const rssIdle = pids.map(rssBytes);
    const idle0 = pids.map(cpuMs);
    await sleep(4000); // two segments: the origin's own segmenting shows in its idle figure
    const idleCpuPct = pids.map((pid, i) => (cpuMs(pid) - idle0[i]) / 40);

    for (const peer of peers) {
      const client = await HlsClient.start(o.clientCpu);
      clients.push(client);
      await client.request({ cmd: 'start', port: peer.port, path: PLAYLIST, count: n, perSecond: 200 }, 'started', n * 20 + 60000);
    }
    await sleep(o.warmupSec * 1000);
    const originMetrics = (p: RunningHlsPeer) => apiGet(p.origin.apiPort, '/metrics');
    const m0 = await Promise.all(peers.map(originMetrics));
    const c0 = pids.map(cpuMs);
    const cc0 = clients.map((c) => cpuMs(c.proc.pid));
    const t0 = performance.now();
    await Promise.all(clients.map((c) => c.request({ cmd: 'mark' }, 'marked', 30000))); // a saturated client answers late
    await sleep(o.windowSec * 1000);
    const cols = await Promise.all(clients.map((c) => c.request({ cmd: 'collect' }, 'collected', 30000)));
    const wall = (performance.now() - t0) / 1000;
    const c1 = pids.map(cpuMs);
    const cc1 = clients.map((c) => cpuMs(c.proc.pid));
    const m1 = await Promise.all(peers.map(originMetrics));
    const rss = pids.map(rssBytes);
    return peers.map((peer, i) => {
      const col = cols[i];
      const stats = col.stats as ClientStats[];
      const delta = (series: string) => {
        const a = sample(m0[i], series);
        const b = sample(m1[i], series);
        return a === null || b === null ? null : b - a;
      };
      const segReqs = sample(m1[i], 'rtmp_server_hls_requests_total{kind="segment"}');
      const netCpu = Math.max(0, (c1[i] - c0[i]) - (idleCpuPct[i] * 10 * wall));
      return {
        peer: peer.id, players: n, concurrentWith: ids.filter((x) => x !== peer.id),
        keepUpShare: stats.filter((s) => s.missed === 0 && s.errors === 0 && s.fetched > 0).length / n,
        missedSegments: stats.reduce((a, s) => a + s.missed, 0),
        errors: stats.reduce((a, s) => a + s.errors, 0),
        segmentsPerPlayer: stats.reduce((a, s) => a + s.fetched, 0) / n,
        cpuMsPerPlayerSec: netCpu / (n * wall),
        serverCpuPct: (c1[i] - c0[i]) / wall / 10,
        idleCpuPct: idleCpuPct[i],
        rssPerPlayerKB: (rss[i] - rssIdle[i]) / n / 1024,
        clientCpuPct: (cc1[i] - cc0[i]) / wall / 10,
        // Every load client of the group runs on the client core: their sum is what that core carried.
        clientCoreCpuPct: clients.reduce((a, c, j) => a + (cc1[j] - cc0[j]), 0) / wall / 10,
        // Origin-direct peers serve the players themselves: requests per segment there are the players'.
        originRequestsPerSegment: segReqs !== null && col.distinctSegments > 0 ? segReqs / col.distinctSegments : null,
        errorKinds: col.errorKinds,
        serverLogTail: stats.some((x) => x.errors > 0) ? peer.server.output().split('\n').slice(-6).join('\n') : undefined,
        playlistRequestsAtOrigin: delta('rtmp_server_hls_requests_total{kind="playlist"}'),
        servedMbps: (stats.reduce((a, s) => a + s.bytes, 0) * 8) / wall / 1e6,
      };
    });
  } finally {
    for (const c of clients) await c.stop();
    for (const p of peers) await p.stop();
  }
}

/** A load client at this share of its core or more was the bottleneck: the case measures the client, not the server. */
const CLIENT_BOUND_PCT = 95;
/** The client core's load in `r`'s case: every load client of its group (--paired runs two on that core). */
const clientCore = (r: HlsCaseResult, rows: HlsCaseResult[]) => r.clientCoreCpuPct ??
  (r.concurrentWith?.length ? rows.filter((x) => x.group === r.group).reduce((a, x) => a + x.clientCpuPct, 0) : r.clientCpuPct);

const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const pct = (x: number) => `${(x * 100).toFixed(x >= 0.995 && x < 1 ? 1 : 0)}%`;

export function hlsTable(rows: HlsCaseResult[]): string {
  for (const r of rows) {
    const refPeer = r.peer === 'hls-origin' || r.peer === 'hls-nginx-files' ? 'hls-nginx-files' : 'hls-nginx-cache';
    // The nginx peer measured at the same time when there is one (--paired), else the one at the same count.
    const ref = rows.find((x) => x.peer === refPeer && x.players === r.players && r.concurrentWith?.length && x.group === r.group) ??
      rows.find((x) => x.peer === refPeer && x.players === r.players);
    r.ratioToNginx = ref && ref.cpuMsPerPlayerSec > 0 ? r.cpuMsPerPlayerSec / ref.cpuMsPerPlayerSec : null;
    const clientBound = (x: HlsCaseResult) => clientCore(x, rows) >= CLIENT_BOUND_PCT;
    r.ratioNotComparable = ref !== undefined && (ref.keepUpShare < 0.99 || clientBound(ref) || clientBound(r));
  }
  const head = '| peer | players | keeping up | CPU-ms / player-s | × nginx peer | server CPU | RSS / player | origin segment requests / segment | served | load-client CPU |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const notes: string[] = [];
  if (rows.some((r) => r.ratioNotComparable)) {
    notes.push('(ratio): not a fair comparison: the nginx peer behind it kept fewer than 99 % of its players up, or the load client core of either ' +
      `case was ${CLIENT_BOUND_PCT} % busy or more (players then fetch late and fewer segments, and the server batches), so a CPU figure is lower than keeping up would cost.`);
  }
  if (rows.some((r) => r.concurrentWith?.length)) notes.push('Paired run (--paired): each companion peer was measured at the same time as the nginx peer it is compared with, both on the server core.');
  return [head, sep, ...rows.map((r) => `| ${r.peer} | ${r.players} | ${pct(r.keepUpShare)} | ${f(r.cpuMsPerPlayerSec, 3)} | ${r.ratioNotComparable ? `(${f(r.ratioToNginx, 2)})` : f(r.ratioToNginx, 2)} | ` +
    `${f(r.serverCpuPct)}% | ${f(r.rssPerPlayerKB, 1)} KB | ${f(r.originRequestsPerSegment, 2)} | ${f(r.servedMbps)} Mbit/s | ${f(r.clientCpuPct)}% |`),
  ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/**
 * HLS players one core carries, from CPU-ms per player-second at the largest count where the peer kept ≥ 99% of
 * its players up and the load client was not the bottleneck (either way players fetched late and the server did
 * less work per player, so its figure would flatter).
 */
export function hlsSizing(rows: HlsCaseResult[], mbps: number): string {
  const kept = rows.filter((r) => r.keepUpShare >= 0.99 && clientCore(r, rows) < CLIENT_BOUND_PCT);
  const lines = HLS_PEERS.map((id) => kept.filter((r) => r.peer === id).sort((a, b) => b.players - a.players)[0]).filter(Boolean).map((r) => {
    const perCore = r.cpuMsPerPlayerSec > 0 ? 1000 / r.cpuMsPerPlayerSec : Infinity;
    return `| ${r.peer} | ${r.players} | ${f(r.cpuMsPerPlayerSec, 3)} | ~${f(Math.round(perCore / 100) * 100)} | ~${f((perCore * mbps) / 1000, 1)} Gbit/s | ${f(r.rssPerPlayerKB, 1)} KB |`;
  });
  return ['| server | at players | CPU-ms / player-s | HLS players per core | egress per core | RSS / player |', '|---|---:|---:|---:|---:|---:|', ...lines].join('\n');
}

/** hls.md: the table, the sizing and the cases that failed or were skipped. */
export function hlsMarkdown(rows: HlsCaseResult[], failures: { peer: string; players: number; error: string }[], mbps: number): string {
  const failed = failures.length ? `\n## Failed or skipped\n\n${failures.map((x) => `- ${x.peer} at ${x.players}: ${x.error.split('\n')[0]}`).join('\n')}\n` : '';
  return `## HLS players\n\n${hlsTable(rows)}\n\n## Sizing (HLS players per core)\n\n${hlsSizing(rows, mbps)}\n${failed}`;
}

export async function runHlsBench(o: HlsOptions): Promise<void> {
  const media = benchMedia();
  console.log(`HLS bench: ${media.description}; 2 s segments; players poll every half target duration`);
  console.log(`server on core ${o.serverCpu ?? '-'}, load client on core ${o.clientCpu ?? '-'}, ${os.cpus().length} cores: ${os.cpus()[0]?.model}\n`);
  const rows: HlsCaseResult[] = [];
  const failures: { peer: string; players: number; error: string }[] = [];
  const log = (r: HlsCaseResult) => console.log(`${r.peer.padEnd(16)} ${String(r.players).padStart(5)} players: ${r.cpuMsPerPlayerSec.toFixed(3)} CPU-ms/player-s, keep-up ${pct(r.keepUpShare)}, ` +
    `server CPU ${r.serverCpuPct.toFixed(0)}% (idle ${r.idleCpuPct.toFixed(0)}%), RSS ${r.rssPerPlayerKB.toFixed(1)} KB/player, ` +
    `missed ${r.missedSegments}, errors ${r.errors}, segments/player ${r.segmentsPerPlayer.toFixed(1)}, origin segment requests/segment ${f(r.originRequestsPerSegment, 2)}, served ${r.servedMbps.toFixed(0)} Mbit/s, client CPU ${r.clientCpuPct.toFixed(0)}%` +
    (r.concurrentWith?.length ? `, measured at once with ${r.concurrentWith.join(', ')}` : '') +
    (r.errors ? `\n    errors: ${Object.entries(r.errorKinds).map(([k, v]) => `${k} ×${v}`).join(', ')}` : '') +
    (r.serverLogTail ? `\n    server log: ${r.serverLogTail.replace(/\n/g, '\n      ')}` : ''));
  let group = 0;
  for (const [i, n] of o.counts.entries()) {
    const order = i % 2 ? [...o.peers].reverse() : o.peers;
    const groups: HlsPeerId[][] = o.paired ? order.flatMap((id, j) => (j % 2 ? [] : [order.slice(j, j + 2)])) : order.map((id) => [id]);
    for (const ids of groups) {
      if (Date.now() > o.deadline) { for (const id of ids) failures.push({ peer: id, players: n, error: 'skipped: --max-minutes reached' }); continue; }
      try {
        group++;
        for (const r of await runHlsCases(ids, n, media, o)) {
          rows.push({ ...r, group });
          log(r);
        }
      } catch (e) {
        for (const id of ids) failures.push({ peer: id, players: n, error: (e as Error).message });
        console.log(`${ids.join('+').padEnd(16)} ${String(n).padStart(5)} players: FAILED ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  for (const id of o.profile ?? []) {
    if (Date.now() >= o.deadline) break;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hls-prof-'));
    const n = Math.max(...o.counts);
    await runHlsCase(id, n, media, o, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const file = fs.readdirSync(dir).filter((x) => x.endsWith('.cpuprofile')).map((x) => path.join(dir, x))[0];
    if (file) {
      console.log(`\nTop frames of ${id} at ${n} players (self time, % of busy samples; profile ${file}):\n` +
        topFrames(file).map((x) => `  ${x.selfPct.toFixed(1).padStart(5)}%  ${x.name}`).join('\n'));
    }
  }
  const mbps = (media.byteRate * 8) / 1e6;
  const table = hlsTable(rows);
  const sizing = hlsSizing(rows, mbps);
  console.log(`\n${table}\n\nSizing:\n\n${sizing}\n`);
  if (failures.length) console.log(`failed or skipped:\n${failures.map((x) => `  ${x.peer} @ ${x.players}: ${x.error}`).join('\n')}`);
  if (!o.out) return;
  const meta = {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString(), node: process.version,
    nginx: nginxVersion(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, media: media.description, windowSec: o.windowSec,
    note: 'Shared machine: compare ratios within one run. CPU is net of the measured process\'s CPU with the publisher only.',
  };
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'hls.json'), `${JSON.stringify({ meta, results: rows, failures }, null, 2)}\n`);
  const plotRows = rows.map((r) => ({ peer: r.peer, players: r.players, cpuMsPerPlayerSec: r.cpuMsPerPlayerSec, slowPlayers: 0 }) as unknown as CaseResult);
  fs.writeFileSync(path.join(o.out, 'hls.svg'), cpuPlot(plotRows, `HLS: server CPU per player-second (${mbps.toFixed(2)} Mbit/s stream)`));
  fs.writeFileSync(path.join(o.out, 'hls.md'), hlsMarkdown(rows, failures, mbps));
  console.log(`wrote ${path.relative(process.cwd(), o.out)}/hls.json, hls.svg, hls.md`);
}
