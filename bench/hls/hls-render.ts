// Re-renders bench/results/hls.md from hls.json (no run): `npx ts-node bench/hls/hls-render.ts [FILE]`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HlsCaseResult, hlsMarkdown } from './hls-run';

const file = process.argv[2] ?? path.resolve(__dirname, '../results/hls.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { meta: { media: string }; results: HlsCaseResult[]; failures?: { peer: string; players: number; error: string }[] };
const mbps = Number(/([\d.]+) Mbit\/s/.exec(r.meta.media)?.[1] ?? 2.68);
const out = hlsMarkdown(r.results, r.failures ?? [], mbps);
fs.writeFileSync(path.join(path.dirname(file), 'hls.md'), out);
console.log(out);
