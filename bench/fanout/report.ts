// Turns case results into the printed table, the README sizing table, and the ratios to nginx-rtmp.
import { CaseResult } from './measure';

const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const pct = (x: number) => `${(x * 100).toFixed(x >= 0.995 && x < 1 ? 1 : 0)}%`;

/** Fills `ratioToNginx`: CPU per player-second over nginx-rtmp's at the same player count and slow share. */
export function addRatios(rows: CaseResult[]): void {
  for (const r of rows) {
    const ref = rows.find((x) => x.server === 'nginx' && x.players === r.players && x.slowPlayers === r.slowPlayers);
    r.ratioToNginx = ref ? r.cpuMsPerPlayerSec / ref.cpuMsPerPlayerSec : null;
  }
}

function notes(r: CaseResult): string {
  const n: string[] = [];
  if (r.playingAfterRamp < r.players) n.push(`${r.players - r.playingAfterRamp} not playing after ramp`);
  if (r.closedDuringWindow) n.push(`${r.closedDuringWindow} closed in window`);
  if (r.origin) n.push(`origin: ${r.origin.rtmpConnections} RTMP conns (publisher + pulls), API players ${r.origin.apiPlayers ?? 'n/a'}`);
  if (r.slowPlayers) {
    const s = r.rssSamplesMB;
    n.push(`${r.slowPlayers} slow got ${f((r.slowReceivedShare ?? 0) * 100)}%; RSS ${f(s[0], 1)}→${f(Math.max(...s), 1)}→${f(s[s.length - 1], 1)} MB`);
    if (r.metrics && Object.keys(r.metrics).length) n.push(Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(' '));
  }
  if (r.clientCpuPct > 90) n.push('load client saturated');
  return n.join('; ');
}

/** Markdown table of every case (the same table is printed at the end of a run). */
export function resultTable(rows: CaseResult[]): string {
  const head = '| peer | players | keeping up | server CPU-ms / player-s | × nginx-rtmp | server CPU | load-client CPU | RSS / player | first video frame (median / p95) | first frame is key | first keyframe (median) | notes |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  const lines = rows.map((r) => `| ${r.peer} | ${r.players} | ${pct(r.keepUpShare)} | ${f(r.cpuMsPerPlayerSec, 3)} | ${f(r.ratioToNginx, 2)} | ` +
    `${f(r.serverCpuPct)}% | ${f(r.clientCpuPct)}% | ${f(r.rssPerPlayerKB, 1)} KB | ` +
    `${f(r.join.firstFrameMedianMs)} / ${f(r.join.firstFrameP95Ms)} ms | ${pct(r.join.firstFrameKeyShare)} | ${f(r.join.firstKeyMedianMs)} ms | ${notes(r)} |`);
  return [head, sep, ...lines].join('\n');
}

/** Players one core carries, from CPU-ms per player-second at the largest player count each peer reached. */
export function sizingTable(rows: CaseResult[], mbps: number): string {
  const out = [
    `| server (players on) | write merging | measured at | CPU-ms / player-s | players per core at ${mbps.toFixed(2)} Mbit/s | egress per core | RSS / player |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const peers = [...new Set(rows.map((r) => r.peer))];
  for (const peer of peers) {
    const mine = rows.filter((r) => r.peer === peer && r.slowPlayers === 0).sort((a, b) => b.players - a.players);
    const r = mine[0];
    if (!r) continue;
    const perCore = Math.floor(1000 / r.cpuMsPerPlayerSec);
    const who = r.server === 'nginx' ? 'nginx-rtmp (RTMP)' : `companion ${r.server} (${r.proto === 'rtmp' ? 'RTMP' : 'HTTP-FLV'})`;
    const caveat = r.keepUpShare < 0.99 ? ` (only ${pct(r.keepUpShare)} kept up)` : '';
    out.push(`| ${who} | ${r.mergeWriteMs === null ? '–' : `${r.mergeWriteMs} ms`} | ${r.players} players${caveat} | ${f(r.cpuMsPerPlayerSec, 3)} | ` +
      `~${perCore} | ~${f((perCore * mbps) / 1000, 1)} Gbit/s | ${f(r.rssPerPlayerKB)} KB |`);
  }
  out.push('', `Players per core = 1000 ÷ CPU-ms per player-second, extrapolated linearly from the measured count on a ` +
    `shared 2-core machine; each player costs ${mbps.toFixed(2)} Mbit/s, so past a few thousand players per core the ` +
    `network (10 Gbit/s ≈ ${Math.floor(10000 / mbps)} players) binds before the CPU does.`);
  return out.join('\n');
}

/** One line per peer: the issue's target figures at the two largest player counts. */
export function headlineTable(rows: CaseResult[]): string {
  const counts = [...new Set(rows.filter((r) => r.slowPlayers === 0).map((r) => r.players))].sort((a, b) => a - b).slice(-2);
  const out = [
    `| players on | merge window | ${counts.map((n) => `× nginx-rtmp at ${n}`).join(' | ')} | keeping up at ${counts.at(-1)} | RSS / player at ${counts.at(-1)} | first video frame, joining (median / p95) at ${counts.at(-1)} |`,
    `|---|---:|${counts.map(() => '---:|').join('')}---:|---:|---:|`,
  ];
  for (const peer of [...new Set(rows.map((r) => r.peer))]) {
    const at = (n: number | undefined) => rows.find((r) => r.peer === peer && r.players === n && r.slowPlayers === 0);
    const last = at(counts.at(-1));
    if (!last) continue;
    const who = last.server === 'nginx' ? 'nginx-rtmp, RTMP' : `companion ${last.server}, ${last.proto === 'rtmp' ? 'RTMP' : 'HTTP-FLV'}`;
    const ratios = counts.map((n) => {
      const r = at(n);
      if (!r) return '–';
      return r.server === 'nginx' ? `1.00 (${f(r.cpuMsPerPlayerSec, 3)} CPU-ms/player-s)` : f(r.ratioToNginx, 2);
    });
    const j = last.join;
    const first = j.firstFrameMedianMs === null ? `none within the timeout (${j.failed}/${j.count})`
      : `${f(j.firstFrameMedianMs)} / ${f(j.firstFrameP95Ms)} ms${j.firstFrameKeyShare === 1 ? ', keyframe' : ` (${pct(j.firstFrameKeyShare)} keyframes)`}`;
    out.push(`| ${who} | ${last.mergeWriteMs === null ? '–' : `${last.mergeWriteMs} ms`} | ${ratios.join(' | ')} | ${pct(last.keepUpShare)} | ${f(last.rssPerPlayerKB)} KB | ${first} |`);
  }
  return out.join('\n');
}
