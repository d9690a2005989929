// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function as a share of busy
// (non-idle) samples, the top frames first.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface Frame {
  readonly name: string;
  readonly selfPct: number;
}

export function topFrames(file: string, count = 25): Frame[] {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byName = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') continue; // percentages are of the time the process was busy
    const hits = n.hitCount ?? 0;
    total += hits;
    const where = cf.url ? `${cf.url.replace(/^.*\/(images|node_modules|bench)\//, '$1/')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    byName.set(key, (byName.get(key) ?? 0) + hits);
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => ({ name, selfPct: (100 * hits) / Math.max(1, total) }));
}

/** Copies the one .cpuprofile written into `dir` to bench/results/tmp/`name`.cpuprofile; returns its top frames. */
export function keepProfile(dir: string, name: string): Frame[] {
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))[0];
  if (!file) throw new Error('no .cpuprofile written (did the server exit cleanly on SIGTERM?)');
  const kept = path.resolve(__dirname, '../results/tmp');
  fs.mkdirSync(kept, { recursive: true });
  fs.copyFileSync(file, path.join(kept, `${name}.cpuprofile`));
  console.log(`profile kept in bench/results/tmp/${name}.cpuprofile (open in Chrome DevTools)`);
  return topFrames(file);
}
