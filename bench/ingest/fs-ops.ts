// The file operations of HLS segments alone, as the writer issues them (promises, the thread pool), pinned to one
// core. Per segment: its temp file created, written in pieces, closed and renamed; the playlist replaced through
// a temp file and a rename (`rename`: hls.sharedDir) or rewritten in place (`in-place`: the default); an old
// segment deleted (or, with `recycled`, renamed to the next segment's temp file and overwritten). Prints the CPU
// (user + system, all threads) per segment of each way, measured in the same run.
//   npm run bench:fs-ops -- [--streams 500] [--segments 8] [--kbytes 150] [--piece-kbytes 128] [--dir /tmp]
import { constants, promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    streams: { type: 'string', default: '500' },
    segments: { type: 'string', default: '8' },
    kbytes: { type: 'string', default: '150' },
    dir: { type: 'string', default: os.tmpdir() },
    rounds: { type: 'string', default: '2' },
    'piece-kbytes': { type: 'string', default: '128' },
  },
});
const STREAMS = Number(a.streams), SEGMENTS = Number(a.segments), ROUNDS = Number(a.rounds);
const PIECE = Number(a['piece-kbytes']) * 1024, SEGMENT = Number(a.kbytes) * 1024, KEEP = 6;
const piece = Buffer.alloc(PIECE, 0x47);
const playlist = Buffer.alloc(420, 0x23);

type Way = 'rename' | 'in-place' | 'recycled';
const WAYS: Way[] = ['rename', 'in-place', 'recycled'];

async function stream(dir: string, i: number, way: Way): Promise<void> {
  let fh: fsp.FileHandle | null = null;
  const pl = path.join(dir, `s${i}.m3u8`), plTmp = path.join(dir, `.s${i}.m3u8.tmp`);
  for (let s = 0; s < SEGMENTS; s++) {
    const fin = path.join(dir, `s${i}-${s}.ts`), tmp = path.join(dir, `.s${i}-${s}.ts.tmp`);
    const old = s >= KEEP ? path.join(dir, `s${i}-${s - KEEP}.ts`) : null;
    if (way === 'recycled' && old) await fsp.rename(old, tmp);
    const seg = await fsp.open(tmp, way === 'recycled' && old ? constants.O_WRONLY : 'w');
    for (let off = 0; off < SEGMENT; off += PIECE) await seg.write(piece, 0, Math.min(PIECE, SEGMENT - off));
    if (way === 'recycled' && old) await seg.truncate(SEGMENT);
    await seg.close();
    await fsp.rename(tmp, fin);
    if (way === 'rename') {
      await fsp.writeFile(plTmp, playlist);
      await fsp.rename(plTmp, pl);
    } else {
      fh ??= await fsp.open(pl, constants.O_WRONLY | constants.O_CREAT, 0o644);
      await fh.write(playlist, 0, playlist.length, 0);
    }
    if (way !== 'recycled' && old) await fsp.unlink(old);
  }
  await fh?.close();
}

async function measure(way: Way): Promise<number> {
  const dir = fs.mkdtempSync(path.join(a.dir!, 'bench-fs-ops-'));
  try {
    const before = process.cpuUsage();
    await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(dir, i, way)));
    const used = process.cpuUsage(before);
    return (used.user + used.system) / (STREAMS * SEGMENTS);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`${STREAMS} streams x ${SEGMENTS} segments of ${a.kbytes} KB in ${a.dir}, node ${process.version}, pid ${process.pid}`);
  const results: Record<Way, number[]> = { rename: [], 'in-place': [], recycled: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of WAYS) results[way].push(await measure(way));
  }
  const sum = (w: Way) => results[w].reduce((x, y) => x + y);
  for (const way of WAYS) {
    console.log(`${way.padEnd(8)}: ${results[way].map((us) => `${us.toFixed(0)} µs`).join(' / ')} CPU per segment, ${(sum(way) / sum('rename')).toFixed(2)} x rename`);
  }
}

void main();
