// The run's outputs: printed tables, and fanout.json + fanout.svg + sizing.md in the results folder.
// `renderResults` rebuilds the SVG and the markdown from a fanout.json without running anything.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaseResult } from './measure';
import { cpuPlot } from './plot-svg';
import { addRatios, headlineTable, resultTable, sizingTable } from './report';

export interface ProfileSummary {
  readonly peer: string;
  readonly players: number;
  readonly frames: { name: string; selfPct: number }[];
}

export interface RunResults {
  readonly meta: { byteRate: number; [k: string]: unknown };
  readonly results: CaseResult[];
  readonly failures: { peer: string; players: number; error: string }[];
  readonly profiles: ProfileSummary[];
}

function render(r: RunResults): { headline: string; sizing: string; table: string; svg: string } {
  addRatios(r.results);
  const mbps = (r.meta.byteRate * 8) / 1e6;
  return {
    headline: headlineTable(r.results),
    sizing: sizingTable(r.results, mbps),
    table: resultTable(r.results),
    svg: cpuPlot(r.results, `Fan-out: server CPU per player-second (${mbps.toFixed(2)} Mbit/s stream)`),
  };
}

/** Prints the tables, failures and profiles. */
export function printResults(r: RunResults): void {
  const o = render(r);
  console.log(`\n${o.table}\n`);
  console.log(`Headline (ratios are server CPU per player-second over nginx-rtmp's RTMP figure, same run):\n\n${o.headline}\n`);
  if (r.failures.length) console.log(`failed or skipped:\n${r.failures.map((x) => `  ${x.peer} @ ${x.players}: ${x.error}`).join('\n')}\n`);
  console.log(`Sizing (players per core, from this run):\n\n${o.sizing}\n`);
  for (const p of r.profiles) {
    console.log(`Top frames of ${p.peer} at ${p.players} players (self time, % of busy samples):\n` +
      p.frames.map((f) => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}`).join('\n'));
  }
}

/** Writes fanout.json, fanout.svg and sizing.md into `dir`. */
export function writeResults(dir: string, r: RunResults, json = true): void {
  const o = render(r);
  fs.mkdirSync(dir, { recursive: true });
  if (json) fs.writeFileSync(path.join(dir, 'fanout.json'), `${JSON.stringify(r, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'fanout.svg'), o.svg);
  fs.writeFileSync(path.join(dir, 'sizing.md'),
    `## Headline\n\nRatios: server CPU per player-second over nginx-rtmp's RTMP figure at the same player count, same run.\n\n${o.headline}\n\n` +
    `## Sizing\n\n${o.sizing}\n\n## All cases\n\n${o.table}\n`);
  console.log(`wrote ${path.relative(process.cwd(), dir) || '.'}/${json ? 'fanout.json, ' : ''}fanout.svg, sizing.md`);
}

/** Re-renders the SVG and markdown next to an existing fanout.json. */
export function renderResults(jsonFile: string): void {
  const r = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as RunResults & { profile?: ProfileSummary };
  const fixed: RunResults = { ...r, profiles: r.profiles ?? (r.profile ? [r.profile] : []) };
  printResults(fixed);
  writeResults(path.dirname(jsonFile), fixed, false);
}
