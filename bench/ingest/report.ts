// The ingest bench's tables: every cell, the ratio to nginx-rtmp, where each server stops keeping up, and
// the README's "streams per origin core" sizing table.
import { linePlot } from '../fanout/plot-svg';
import { CellResult } from './cell';
import { median } from './rounds';

const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(x >= 0.995 && x < 1 ? 1 : 0)}%`);

/** A cell keeps up when at least 99% of its streams do (and, with HLS on, are on time). */
export const KEEP_UP = 0.99;

const plain = (r: CellResult) => r.relayTargets === 0 && r.bad === 0;

/**
 * Fills `ratioToNginx`: CPU per stream-second over nginx-rtmp's in the same cell (rate, HLS, N); for repeated
 * cells, the median of the rounds' paired ratios.
 */
export function addRatios(rows: CellResult[]): void {
  for (const r of rows) {
    const ref = rows.find((x) => x.server === 'nginx' && plain(x) && x.rate === r.rate && x.hls === r.hls && x.n === r.n);
    if (!ref || !plain(r)) r.ratioToNginx = null;
    else if (r.pairedRatios?.length) r.ratioToNginx = median(r.pairedRatios);
    else r.ratioToNginx = r.cpuMsPerStreamSec / ref.cpuMsPerStreamSec;
  }
}

/** "0.92–1.10" over a repeated cell's paired ratios ('' for a single round). */
const ratioRange = (r: CellResult) => (r.pairedRatios && r.pairedRatios.length > 1
  ? ` (${f(Math.min(...r.pairedRatios), 2)}–${f(Math.max(...r.pairedRatios), 2)})` : '');

function notes(r: CellResult): string {
  const n: string[] = [];
  if (r.roundCpu) {
    n.push(`${r.roundCpu.length} rounds: ${r.roundCpu.map((x) => f(x, 2)).join(' / ')} CPU-ms` +
      (r.pairedRatios ? `, × nginx-rtmp ${r.pairedRatios.map((x) => f(x, 2)).join(' / ')}` : ''));
  }
  if (r.publishing < r.n) n.push(`${r.n - r.publishing} not publishing`);
  if (r.probes.length) n.push(`ffprobe ${r.probes.filter((p) => p.ok).length}/${r.probes.length} (${r.probes[0].detail})`);
  if (r.clientCpuPct > 90) n.push('load client saturated');
  if (r.badReport) {
    const b = r.badReport;
    n.push(`bad input: ${b.duplicatesRefused}/${b.duplicates} duplicate names refused, backwards-timestamp streams with a playlist ${b.backwardsOnTime}, ` +
      `stalling still publishing ${b.stallsPublishing}, files outside the HLS layout: ${b.strayFiles.length ? b.strayFiles.join(' ') : 'none'}`);
  }
  if (r.errors.length) n.push(`errors: ${r.errors.slice(0, 3).join(' | ')}`);
  return n.join('; ');
}

const who = (r: CellResult) => (r.server === 'nginx' ? 'nginx-rtmp' : 'companion') +
  (r.relayTargets ? ` relay → ${r.relayTargets}` : '') + (r.bad ? ` + ${r.bad} bad` : '');

export function cellTable(rows: CellResult[]): string {
  const head = '| server | stream | HLS | N | CPU-ms / stream-s | × nginx-rtmp | server CPU | waiting for a CPU | media taken in | RSS / stream | keeping up | HLS on time | queued (median / max) | load-client CPU | notes |';
  const sep = '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  return [head, sep, ...rows.map((r) => `| ${who(r)} | ${r.rate} (${f(r.mbps, 2)} Mbit/s) | ${r.hls ? 'on' : 'off'} | ${r.n} | ` +
    `${f(r.cpuMsPerStreamSec, 2)} | ${f(r.ratioToNginx, 2)} | ${f(r.serverCpuPct)}% | ${r.serverWaitPct === undefined ? '–' : `${f(r.serverWaitPct)}%`} | ${pct(r.takenShare ?? null)} | ${f(r.rssPerStreamMB * 1024)} KB | ` +
    `${pct(r.keepUpShare)} | ${pct(r.hlsOnTimeShare)} | ${f(r.lagMedianSec, 2)} / ${f(r.lagMaxSec, 2)} s | ${f(r.clientCpuPct)}% | ${notes(r)} |`)].join('\n');
}

/** Per server, stream rate and HLS: the largest N that kept up, the first that did not. */
export function limitsTable(rows: CellResult[]): string {
  const out = ['| server | stream | HLS | kept up at | stopped keeping up at |', '|---|---|---|---:|---:|'];
  const keys = [...new Set(rows.filter(plain).map((r) => `${r.server}|${r.rate}|${r.hls}`))];
  for (const k of keys) {
    const [server, rate, hls] = k.split('|');
    const mine = rows.filter((r) => plain(r) && r.server === server && r.rate === rate && String(r.hls) === hls).sort((a, b) => a.n - b.n);
    const good = mine.filter((r) => r.okShare >= KEEP_UP).map((r) => r.n);
    const bad = mine.find((r) => r.okShare < KEEP_UP);
    out.push(`| ${server === 'nginx' ? 'nginx-rtmp' : 'companion'} | ${rate} | ${hls === 'true' ? 'on' : 'off'} | ${good.length ? Math.max(...good) : '–'} | ` +
      `${bad ? `${bad.n} (${pct(bad.okShare)} ok, server CPU ${f(bad.serverCpuPct)}%, waiting for a CPU ${f(bad.serverWaitPct)}%, took in ${pct(bad.takenShare ?? null)})` : 'not reached'} |`);
  }
  return out.join('\n');
}

/**
 * RSS each added stream costs: the slope between the two largest counts that kept up (the RSS over the idle
 * server at one count also carries the process's one-off growth once it works: JIT code, heap reserve).
 */
function marginalRssKB(kept: CellResult[]): number | null {
  if (kept.length < 2) return null;
  const [hi, lo] = kept;
  return ((hi.rssMB - lo.rssMB) * 1024) / (hi.n - lo.n);
}

/**
 * Streams per origin core: 1000 ÷ CPU-ms per stream-second at the largest N that kept up (HLS on, as an
 * origin of an OriginCluster runs).
 */
export function sizingTable(rows: CellResult[]): string {
  const out = ['| server, HLS on | stream | measured at | CPU-ms / stream-s | × nginx-rtmp | streams per origin core | RSS / stream | RSS per added stream |',
    '|---|---|---:|---:|---:|---:|---:|---:|'];
  const keys = [...new Set(rows.filter((r) => plain(r) && r.hls).map((r) => `${r.server}|${r.rate}`))];
  for (const k of keys) {
    const [server, rate] = k.split('|');
    const mine = rows.filter((r) => plain(r) && r.hls && r.server === server && r.rate === rate && r.okShare >= KEEP_UP).sort((a, b) => b.n - a.n);
    const r = mine[0];
    if (!r) continue;
    const perCore = Math.floor(1000 / r.cpuMsPerStreamSec);
    out.push(`| ${server === 'nginx' ? 'nginx-rtmp' : 'companion origin'} | ${rate} (${f(r.mbps, 2)} Mbit/s) | ${r.n} streams | ${f(r.cpuMsPerStreamSec, 2)} | ` +
      `${f(r.ratioToNginx, 2)}${ratioRange(r)} | ~${perCore} | ${f(r.rssPerStreamMB * 1024)} KB | ${mine.length > 1 ? `${f(marginalRssKB(mine))} KB (${mine[1].n} → ${r.n})` : '–'} |`);
  }
  out.push('', 'Streams per core = 1000 ÷ CPU-ms per stream-second at the largest stream count that kept up, HLS on (2 s ' +
    'fragments), on a shared 2-core machine; leave headroom (players, API, GC) rather than running a core at 100%. ' +
    'HLS-on cells run in rounds (`--repeat`, both servers back to back each round): a row is the server\'s median round, ' +
    'its ratio the median of the rounds\' paired ratios (their range in brackets). ' +
    'RSS / stream is over the idle server; RSS per added stream is the slope between the two largest counts that kept up.');
  return out.join('\n');
}

/** Relay cells: the cost of each push over the same streams without pushes (same run). */
export function relayTable(rows: CellResult[]): string {
  const relays = rows.filter((r) => r.relayTargets > 0);
  if (!relays.length) return '';
  const out = ['| streams | targets | CPU-ms / stream-s (relay) | CPU-ms / stream-s (same streams, no relay) | CPU-ms per pushed stream-second | RSS / stream |',
    '|---:|---:|---:|---:|---:|---:|'];
  for (const r of relays) {
    const base = rows.find((x) => x.server === 'companion' && plain(x) && !x.hls && x.rate === r.rate && x.n === r.n);
    const perPush = base ? (r.cpuMsPerStreamSec - base.cpuMsPerStreamSec) / r.relayTargets : null;
    out.push(`| ${r.n} × ${r.rate} | ${r.relayTargets} | ${f(r.cpuMsPerStreamSec, 2)} | ${f(base?.cpuMsPerStreamSec, 2)} | ${f(perPush, 3)} | ${f(r.rssPerStreamMB * 1024)} KB |`);
  }
  return out.join('\n');
}

/** CPU-ms per stream-second against streams, HLS on: one line per server and stream rate. */
export function ingestPlot(rows: CellResult[]): string {
  const points = rows.filter((r) => plain(r) && r.hls).map((r) => ({
    series: `${r.server === 'nginx' ? 'nginx-rtmp' : 'companion'} ${r.rate}`, x: r.n, y: r.cpuMsPerStreamSec, ok: r.okShare >= KEEP_UP,
  }));
  return linePlot(points, {
    title: 'Ingest, HLS on: server CPU per stream-second', x: 'publishing streams (server on one core)',
    y: 'server CPU-ms per stream-second (lower is better)', notOk: 'not all streams kept up',
    dashed: (s) => s.endsWith('600k'), reference: (s) => s.startsWith('nginx'),
  });
}
