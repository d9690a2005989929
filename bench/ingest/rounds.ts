// Repeated rounds of one ingest cell (same rate, HLS setting and N) reduced to one row per server: the server's
// median round, with every round's CPU figure kept, and for the companion the median of the rounds' paired
// ratios to nginx-rtmp (round k of one against round k of the other, measured back to back, so slow drift on
// a shared machine cancels out of each ratio instead of landing on one server).
import { CellResult } from './cell';
import { ServerKind } from './servers';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One row per server that has a round: its median round by CPU (or the round below `keepUp`, where it stopped), with `roundCpu` and (companion) `pairedRatios`. */
export function combineRounds(rounds: Map<ServerKind, CellResult[]>, keepUp: number): CellResult[] {
  const out: CellResult[] = [];
  const ref = rounds.get('nginx') ?? [];
  for (const [server, list] of rounds) {
    if (!list.length) continue;
    const byCpu = [...list].sort((a, b) => a.cpuMsPerStreamSec - b.cpuMsPerStreamSec);
    // A round that did not keep up is the last one run for this server (it stopped there): it is the cell's verdict.
    const failed = list.find((r) => r.okShare < keepUp);
    const rep = failed ?? byCpu[(byCpu.length - 1) >> 1];
    if (list.length === 1) { out.push(rep); continue; }
    const pairs = server === 'nginx' ? [] : list.slice(0, ref.length).map((r, k) => r.cpuMsPerStreamSec / ref[k].cpuMsPerStreamSec);
    out.push({ ...rep, roundCpu: list.map((r) => r.cpuMsPerStreamSec), pairedRatios: pairs.length ? pairs : undefined });
  }
  return out;
}
