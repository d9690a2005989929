// The fan-out benchmark: `npm run bench -- --players 100,500,1000,2000`.
// For each player count it runs every peer (companion origin/edge over RTMP and HTTP-FLV, nginx-rtmp),
// alternating their order so machine drift cancels, then prints the table, writes
// bench/results/fanout.{json,svg} and a sizing table. See bench/README.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, core, numList } from './args';
import { ensureServerBundle, useServerBundle } from './companion';
import { CaseOptions, CaseResult, runCase } from './measure';
import { benchMedia } from './media';
import { ensureNginx, nginxVersion } from './nginx';
import { ALL_PEERS, DEFAULT_PEERS, PeerSpec } from './peers';
import { printResults, ProfileSummary, renderResults, RunResults, writeResults } from './outputs';
import { runBench } from './procs';
import { keepProfile } from './profile-summary';
import { HLS_FLOOR_PEERS, HLS_PEERS, HlsPeerId } from '../hls/hls-peers';
import { runHlsBench } from '../hls/hls-run';

const USAGE = `npm run bench -- [options]
  --players 100,500,1000,2000   player counts
  --peers a,b,...               peers to run (default: ${DEFAULT_PEERS.join(',')}; also: ${ALL_PEERS.map((p) => p.id).filter((p) => !DEFAULT_PEERS.includes(p)).join(',')})
  --window 15                   measurement window, seconds
  --warmup 3                    seconds between the ramp and the window
  --joiners 20                  players joining after the load is up, for first-frame times
  --slow-players 1000           player count of the slow-player case (5% at half speed); 0 skips it
  --slow-window 60              window of the slow-player case, seconds (queues need ~40 s to reach their bound)
  --profile PEER[,PEER]         also run each PEER once at the largest count under node --cpu-prof; prints its top frames
  --out bench/results           where fanout.json, fanout.svg and sizing.md go ('' = write nothing)
  --max-minutes 30              no new case starts after this
  --server-cpu 0 --client-cpu 1 cores for taskset (-1 = no pinning)
  --rebuild                     rebuild the server bundle first
  --server-bundle FILE          run this server bundle instead of images/rtmp-server/dist/main.js
  --render FILE                 only re-render fanout.svg and sizing.md from an existing fanout.json
  --hls 500,1000,2000           the HLS bench instead (bench/hls): players through a companion edge, nginx proxy_cache,
                                the companion origin and nginx on the HLS directory; writes hls.json, hls.svg, hls.md
                                (with --profile PEER[,PEER]: also those HLS peers under --cpu-prof at the largest count)
  --hls-peers a,b,...           HLS peers (default: all of ${HLS_PEERS.join(',')}; also ${HLS_FLOOR_PEERS.join(',')}:
                                the floor of a Node process serving the same players, bench/hls/node-floor.ts)
  --paired                      HLS: run the peers two at a time, at once, both on the server core (each its own load
                                client), so load from elsewhere on a shared machine weighs on both alike`;

const { values: a } = parseArgs({
  options: {
    ...COMMON_OPTIONS,
    players: { type: 'string', default: '100,500,1000,2000' },
    peers: { type: 'string', default: DEFAULT_PEERS.join(',') },
    window: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    joiners: { type: 'string', default: '20' },
    'slow-players': { type: 'string', default: '1000' },
    'slow-window': { type: 'string', default: '60' },
    profile: { type: 'string' },
    out: { type: 'string', default: path.resolve(__dirname, '../results') },
    render: { type: 'string' },
    hls: { type: 'string' },
    'hls-peers': { type: 'string', default: HLS_PEERS.join(',') },
    paired: { type: 'boolean', default: false },
  },
});


async function main(): Promise<void> {
  if (a.help) { console.log(USAGE); return; }
  if (a.render) { renderResults(a.render); return; }
  if (a.hls) {
    if (a['server-bundle']) useServerBundle(a['server-bundle']);
    else ensureServerBundle(a.rebuild!);
    const peers = a['hls-peers']!.split(',').map((id) => {
      const known: readonly string[] = [...HLS_PEERS, ...HLS_FLOOR_PEERS];
      if (!known.includes(id.trim())) throw new Error(`unknown HLS peer ${id}; known: ${known.join(', ')}`);
      return id.trim() as HlsPeerId;
    });
    await runHlsBench({
      counts: numList(a.hls), peers, windowSec: Number(a.window), warmupSec: Number(a.warmup) + 3,
      serverCpu: core(a['server-cpu']!), clientCpu: core(a['client-cpu']!), out: a.out!,
      deadline: Date.now() + Number(a['max-minutes']) * 60_000, paired: a.paired, profile: a.profile === undefined ? undefined : a.profile.split(',').map((x) => x.trim() as HlsPeerId),
    });
    return;
  }
  const counts = numList(a.players!);
  const peers: PeerSpec[] = a.peers!.split(',').map((id) => {
    const p = ALL_PEERS.find((x) => x.id === id.trim());
    if (!p) throw new Error(`unknown peer ${id}; known: ${ALL_PEERS.map((x) => x.id).join(', ')}`);
    return p;
  });
  const deadline = Date.now() + Number(a['max-minutes']) * 60_000;
  const base: CaseOptions = {
    windowSec: Number(a.window), warmupSec: Number(a.warmup), joiners: Number(a.joiners), slowFraction: 0,
    serverCpu: core(a['server-cpu']!), clientCpu: core(a['client-cpu']!), rampBatch: 100,
  };

  const media = benchMedia();
  if (peers.some((p) => p.server === 'nginx')) ensureNginx();
  if (a['server-bundle']) useServerBundle(a['server-bundle']);
  else if (peers.some((p) => p.server !== 'nginx')) ensureServerBundle(a.rebuild!);
  console.log(`media: ${media.description}`);
  console.log('nginx-rtmp has no HTTP-FLV: it is the RTMP reference; FLV ratios are to its RTMP figure.');
  console.log(`server on core ${a['server-cpu']}, load client on core ${a['client-cpu']}, ${os.cpus().length} cores: ${os.cpus()[0]?.model}\n`);

  const rows: CaseResult[] = [];
  const failures: { peer: string; players: number; error: string }[] = [];
  const run = async (spec: PeerSpec, n: number, o: CaseOptions) => {
    if (Date.now() > deadline) { failures.push({ peer: spec.id, players: n, error: 'skipped: --max-minutes reached' }); return; }
    try {
      const r = await runCase(spec, n, media, o);
      rows.push(r);
      console.log(`${spec.id.padEnd(16)} ${String(n).padStart(5)} players${o.slowFraction ? ' (5% slow)' : ''}: ` +
        `${r.cpuMsPerPlayerSec.toFixed(3)} CPU-ms/player-s, keep-up ${(r.keepUpShare * 100).toFixed(1)}% ` +
        `(received median ${(r.receivedMedian * 100).toFixed(0)}%, p5 ${(r.receivedP5 * 100).toFixed(0)}%), server CPU ${r.serverCpuPct.toFixed(0)}%, ` +
        `RSS ${r.rssPerPlayerKB.toFixed(1)} KB/player, first frame ${r.join.firstFrameMedianMs?.toFixed(0) ?? '–'} ms, client CPU ${r.clientCpuPct.toFixed(0)}%` +
        (r.errors.length ? `\n    errors: ${r.errors.slice(0, 5).join(' | ')}` : ''));
    } catch (e) {
      const error = (e as Error).message;
      failures.push({ peer: spec.id, players: n, error });
      console.log(`${spec.id.padEnd(16)} ${String(n).padStart(5)} players: FAILED ${error.split('\n')[0]}`);
    }
  };

  for (const [i, n] of counts.entries()) {
    for (const spec of i % 2 ? [...peers].reverse() : peers) await run(spec, n, base);
  }
  const slowN = Number(a['slow-players']);
  if (slowN > 0) {
    const slowPeers = peers.filter((p) => ['nginx-rtmp', 'origin-rtmp-350', 'origin-flv-350'].includes(p.id));
    for (const spec of slowPeers) await run(spec, slowN, { ...base, slowFraction: 0.05, windowSec: Number(a['slow-window']) });
  }
  const profiles: ProfileSummary[] = [];
  for (const id of a.profile ? a.profile.split(',') : []) {
    if (Date.now() > deadline) break;
    try {
      profiles.push(await profileRun(id.trim(), Math.max(...counts), base, media));
    } catch (e) {
      failures.push({ peer: `${id} (profile)`, players: Math.max(...counts), error: (e as Error).message });
    }
  }

  const meta = {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(), node: process.version, nginx: nginxVersion(),
    cpu: os.cpus()[0]?.model, cores: os.cpus().length, media: media.description, byteRate: media.byteRate,
    windowSec: base.windowSec, warmupSec: base.warmupSec,
    note: 'Figures from a shared machine (other work on the same cores): compare the ratios within one run, not absolute values across runs.',
  };
  const results: RunResults = { meta, results: rows, failures, profiles };
  printResults(results);
  if (a.out) writeResults(a.out, results);
}

/** Runs one peer under `node --cpu-prof` and returns its hottest frames. */
async function profileRun(id: string, n: number, base: CaseOptions, media: ReturnType<typeof benchMedia>) {
  const spec = ALL_PEERS.find((p) => p.id === id && p.server !== 'nginx');
  if (!spec) throw new Error(`--profile needs a companion peer, got ${id}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-prof-'));
  await runCase(spec, n, media, { ...base, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  // Only the measured server (origin, or the edge in an edge run) gets --cpu-prof: one file.
  return { peer: id, players: n, frames: keepProfile(dir, `${id}-${n}`) };
}

runBench(main);
