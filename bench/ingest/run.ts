// The ingest benchmark: `npm run bench -- --ingest 50,200,500,1000` (or `npm run bench:ingest -- ...`).
// Many publishers on one server pinned to one core, the companion origin against nginx-rtmp in the same run,
// at two bitrates, HLS on and off; then relay pushes (1 and 5 targets), the bad-input run and a profile when
// asked. Prints the tables and writes bench/results/ingest.{json,md}. See bench/README.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, core, numList } from '../fanout/args';
import { ensureServerBundle, useServerBundle } from '../fanout/companion';
import { benchMedia, EncodeSpec, Media } from '../fanout/media';
import { ensureNginx, nginxVersion } from '../fanout/nginx';
import { runBench } from '../fanout/procs';
import { Frame, keepProfile } from '../fanout/profile-summary';
import { CellResult, CellSpec, runCell } from './cell';
import { combineRounds } from './rounds';
import { addRatios, cellTable, ingestPlot, KEEP_UP, limitsTable, relayTable, sizingTable } from './report';
import { ServerKind } from './servers';

/** The two streams: about 600 kbit/s (360p) and about 2.6 Mbit/s (720p, the fan-out bench's), 2 s GOPs. */
const RATES: Record<string, EncodeSpec> = {
  '600k': { size: '640x360', fps: 25, gopFrames: 50, videoKbps: 500, audioKbps: 96, seconds: 10 },
  '2.6M': { size: '1280x720', fps: 25, gopFrames: 50, videoKbps: 2500, audioKbps: 128, seconds: 10 },
};

const USAGE = `npm run bench -- --ingest 50,200 [options]   (or npm run bench:ingest -- [options])
  --ingest 50,200               publisher counts (each server stops at the first count it cannot keep up with)
  --rates 600k,2.6M             streams (600k: 360p ~0.6 Mbit/s; 2.6M: 720p ~2.6 Mbit/s)
  --hls on,off                  HLS settings to run
  --servers companion,nginx     servers to compare
  --repeat 3                    rounds of each HLS-on cell (both servers per round; the median is reported)
  --window 15 --warmup 4        measurement window and warm-up, seconds
  --relay 50                    relay cells: this many 2.6M streams pushed to 1 and to 5 nginx-rtmp targets (0 skips)
  --bad-input N                 also run N publishers + 50 misbehaving ones (HLS on, 2.6M), both servers (0 skips)
  --profile N                   also run the companion (HLS on, 2.6M) with N publishers under node --cpu-prof
  --profile-cell 2.6M,on        the rate and HLS setting of the profiled run
  --out bench/results           where ingest.json and ingest.md go ('' = write nothing)
  --max-minutes 30              no new cell starts after this
  --server-cpu 0 --client-cpu 1 cores for taskset (-1 = no pinning)
  --rebuild                     rebuild the server bundle first
  --server-bundle FILE          run this server bundle instead of images/rtmp-server/dist/main.js
  --render FILE                 only re-render ingest.md and ingest.svg from an existing ingest.json`;

const argv = process.argv.slice(2);
const { values: a } = parseArgs({
  args: argv,
  options: {
    ...COMMON_OPTIONS,
    ingest: { type: 'string', default: '50,200' },
    rates: { type: 'string', default: Object.keys(RATES).join(',') },
    hls: { type: 'string', default: 'on,off' },
    servers: { type: 'string', default: 'companion,nginx' },
    repeat: { type: 'string', default: '3' },
    window: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '4' },
    relay: { type: 'string', default: '50' },
    'bad-input': { type: 'string', default: '0' },
    profile: { type: 'string', default: '0' },
    'profile-cell': { type: 'string', default: '2.6M,on' },
    render: { type: 'string' },
    out: { type: 'string', default: path.resolve(__dirname, '../results') },
  },
});

const BAD_PUBLISHERS = 50;

function line(r: CellResult): string {
  return `${(r.server + (r.relayTargets ? ` relay→${r.relayTargets}` : '') + (r.bad ? ` +${r.bad} bad` : '')).padEnd(22)} ${r.rate.padEnd(4)} hls ${r.hls ? 'on ' : 'off'} ` +
    `${String(r.n).padStart(5)}: ${r.cpuMsPerStreamSec.toFixed(2)} CPU-ms/stream-s (server ${r.serverCpuPct.toFixed(0)}%, waited for a CPU ${r.serverWaitPct.toFixed(0)}%, took in ${(r.takenShare * 100).toFixed(0)}% of the media), ` +
    `RSS ${(r.rssPerStreamMB * 1024).toFixed(0)} KB/stream, keep-up ${(r.keepUpShare * 100).toFixed(1)}%` +
    (r.hlsOnTimeShare !== null ? `, HLS on time ${(r.hlsOnTimeShare * 100).toFixed(1)}% (median ${r.hlsAddedMedian} new segments)` : '') +
    (r.probes.length ? `, ffprobe ${r.probes.filter((p) => p.ok).length}/${r.probes.length} ${r.probes.map((p) => p.detail).join(', ')}` : '') +
    `, client CPU ${r.clientCpuPct.toFixed(0)}%` + (r.errors.length ? `\n    errors: ${r.errors.slice(0, 4).join(' | ')}` : '') +
    (r.badReport ? `\n    bad input: ${JSON.stringify(r.badReport)}` : '');
}

async function main(): Promise<void> {
  if (a.help) { console.log(USAGE); return; }
  if (a.render) {
    output(JSON.parse(fs.readFileSync(a.render, 'utf8')) as IngestRun, path.dirname(a.render), false);
    return;
  }
  const counts = numList(a.ingest!).sort((x, y) => x - y);
  const rates = a.rates!.split(',').map((r) => r.trim());
  for (const r of rates) if (!RATES[r]) throw new Error(`unknown rate ${r}; known: ${Object.keys(RATES).join(', ')}`);
  const hlsModes = a.hls!.split(',').map((h) => h.trim() === 'on');
  const servers = a.servers!.split(',').map((s) => s.trim()) as ServerKind[];
  for (const s of servers) if (s !== 'companion' && s !== 'nginx') throw new Error(`unknown server ${s}`);
  const repeat = Number(a.repeat);
  if (![1, 3, 5, 7, 9].includes(repeat)) throw new Error(`--repeat must be odd, 1-9 (the median round is a round), got ${a.repeat}`);
  const deadline = Date.now() + Number(a['max-minutes']) * 60_000;
  const base = { windowSec: Number(a.window), warmupSec: Number(a.warmup), serverCpu: core(a['server-cpu']!), clientCpu: core(a['client-cpu']!) };

  ensureNginx();
  if (a['server-bundle']) useServerBundle(a['server-bundle']);
  else ensureServerBundle(a.rebuild!);
  const media = new Map<string, Media>(Object.keys(RATES).map((r) => [r, benchMedia(RATES[r])]));
  for (const r of rates) console.log(`media ${r}: ${media.get(r)!.description}`);
  console.log(`server on core ${a['server-cpu']}, publishers on core ${a['client-cpu']}, ${os.cpus().length} cores: ${os.cpus()[0]?.model}\n`);

  const rows: CellResult[] = [];
  const failures: { cell: string; error: string }[] = [];
  const measure = async (spec: CellSpec, round = ''): Promise<CellResult | null> => {
    const label = `${spec.server} ${spec.rate} hls ${spec.hls ? 'on' : 'off'} N=${spec.n}${spec.relayTargets ? ` relay ${spec.relayTargets}` : ''}${spec.bad ? ` bad ${spec.bad}` : ''}${round}`;
    if (Date.now() > deadline) { failures.push({ cell: label, error: 'skipped: --max-minutes reached' }); return null; }
    try {
      const r = await runCell(spec);
      console.log(line(r) + round);
      return r;
    } catch (e) {
      failures.push({ cell: label, error: (e as Error).message });
      console.log(`${label}: FAILED ${(e as Error).message.split('\n')[0]}`);
      return null;
    }
  };
  const run = async (spec: CellSpec): Promise<CellResult | null> => {
    const r = await measure(spec);
    if (r) rows.push(r);
    return r;
  };

  // Each server runs at growing N until it stops keeping up. HLS-on cells (the targets) run `--repeat` rounds,
  // each round both servers back to back in alternating order, so drift on the shared machine hits both alike;
  // a cell reports each server's median round and the median of the rounds' paired ratios (rounds.ts).
  for (const rate of rates) {
    for (const hls of hlsModes) {
      const stopped = new Set<ServerKind>();
      for (const [i, n] of counts.entries()) {
        const rounds = new Map<ServerKind, CellResult[]>(servers.map((s) => [s, []]));
        const roundCount = hls ? repeat : 1;
        for (let k = 0; k < roundCount; k++) {
          for (const server of (i + k) % 2 ? [...servers].reverse() : servers) {
            if (stopped.has(server)) continue;
            const r = await measure({ ...base, server, rate, media: media.get(rate)!, hls, n }, roundCount > 1 ? ` round ${k + 1}/${roundCount}` : '');
            if (r) rounds.get(server)!.push(r);
            // A round that does not keep up ends the server's climb: the limit is the first N any round missed.
            if (!r || r.okShare < KEEP_UP) stopped.add(server);
          }
        }
        rows.push(...combineRounds(rounds, KEEP_UP));
      }
    }
  }

  const relayN = Number(a.relay);
  if (relayN > 0 && servers.includes('companion')) {
    const m = media.get('2.6M')!;
    if (!rows.some((r) => r.server === 'companion' && !r.hls && r.rate === '2.6M' && r.n === relayN && r.relayTargets === 0 && r.bad === 0)) {
      await run({ ...base, server: 'companion', rate: '2.6M', media: m, hls: false, n: relayN });
    }
    for (const targets of [1, 5]) await run({ ...base, server: 'companion', rate: '2.6M', media: m, hls: false, n: relayN, relayTargets: targets });
  }

  const badN = Number(a['bad-input']);
  if (badN > 0) {
    for (const server of servers) {
      await run({ ...base, windowSec: Math.max(base.windowSec, 30), server, rate: '2.6M', media: media.get('2.6M')!, hls: true, n: badN, bad: BAD_PUBLISHERS });
    }
  }

  const profiles: { n: number; rate: string; hls: boolean; frames: Frame[] }[] = [];
  const profN = Number(a.profile);
  const [profRate, profHls] = a['profile-cell']!.split(',').map((x) => x.trim());
  if (!RATES[profRate]) throw new Error(`unknown --profile-cell rate ${profRate}`);
  if (profN > 0 && Date.now() < deadline) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-prof-'));
    const hls = profHls !== 'off';
    const r = await run({ ...base, server: 'companion', rate: profRate, media: media.get(profRate)!, hls, n: profN, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    if (r) {
      rows.pop(); // a profiled run is slower: not a result
      const name = `ingest-companion-${profN}${profRate === '2.6M' && hls ? '' : `-${profRate}-hls-${hls ? 'on' : 'off'}`}`;
      profiles.push({ n: profN, rate: profRate, hls, frames: keepProfile(dir, name) });
    }
  }

  const meta = {
    command: `npm run bench -- --ingest ${a.ingest} ${argv.filter((x, i) => x !== '--ingest' && argv[i - 1] !== '--ingest').join(' ')}`.trim(),
    date: new Date().toISOString(), node: process.version, nginx: nginxVersion(), cpu: os.cpus()[0]?.model, cores: os.cpus().length,
    media: Object.fromEntries(rates.map((r) => [r, media.get(r)!.description])),
    windowSec: base.windowSec, warmupSec: base.warmupSec,
    note: 'Figures from a shared machine (other work on the same cores): compare the ratios within one run, not absolute values across runs.',
  };
  output({ meta, results: rows, failures, profiles }, a.out!, true);
}

interface IngestRun {
  readonly meta: { command: string; date: string; node: string; nginx: string };
  readonly results: CellResult[];
  readonly failures: { cell: string; error: string }[];
  readonly profiles: { n: number; rate?: string; hls?: boolean; frames: Frame[] }[];
}

/** Prints the tables and writes ingest.md + ingest.svg (and ingest.json when `json`) into `out` ('' = nowhere). */
function output(run: IngestRun, out: string, json: boolean): void {
  const { meta, results: rows, failures, profiles } = run;
  addRatios(rows);
  const md = [
    `## Streams per origin core\n\n${sizingTable(rows)}`,
    `## Where each server stops keeping up\n\n${limitsTable(rows)}`,
    relayTable(rows) ? `## Relay: cost per push\n\n${relayTable(rows)}` : '',
    `## All cells\n\n${cellTable(rows)}`,
    failures.length ? `## Failed or skipped\n\n${failures.map((x) => `- ${x.cell}: ${x.error.split('\n')[0]}`).join('\n')}` : '',
    ...profiles.map((p) => `## Profile: companion, ${p.n} × ${p.rate ?? '2.6M'}, HLS ${p.hls === false ? 'off' : 'on'} (self time, % of busy samples)\n\n` +
      p.frames.map((x) => `- ${x.selfPct.toFixed(1)}% ${x.name}`).join('\n')),
  ].filter(Boolean).join('\n\n');
  console.log(`\n${md}\n`);
  if (!out) return;
  fs.mkdirSync(out, { recursive: true });
  if (json) fs.writeFileSync(path.join(out, 'ingest.json'), `${JSON.stringify(run, null, 2)}\n`);
  fs.writeFileSync(path.join(out, 'ingest.md'), `# Ingest bench\n\n\`${meta.command}\` (${meta.date}, node ${meta.node}, ${meta.nginx})\n\n${md}\n`);
  fs.writeFileSync(path.join(out, 'ingest.svg'), ingestPlot(rows));
  console.log(`wrote ${path.relative(process.cwd(), out) || '.'}/${json ? 'ingest.json, ' : ''}ingest.md, ingest.svg`);
}

runBench(main);
