// Re-renders bench/results/hls.md from hls.json (no run): `npx ts-node bench/hls/hls-render.ts [FILE]`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HlsCaseResult, hlsSizing, hlsTable } from './hls-run';

const file = process.argv[2] ?? path.resolve(__dirname, '../results/hls.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { meta: { media: string }; results: HlsCaseResult[] };
const mbps = Number(/([\d.]+) Mbit\/s/.exec(r.meta.media)?.[1] ?? 2.68);
const out = `## HLS players\n\n${hlsTable(r.results)}\n\n## Sizing (HLS players per core)\n\n${hlsSizing(r.results, mbps)}\n`;
fs.writeFileSync(path.join(path.dirname(file), 'hls.md'), out);
console.log(out);
