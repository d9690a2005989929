// The file operations of HLS segments alone, as the writer issues them (promises, the thread pool), pinned to one
// core. Per segment: its temp file created, written in pieces, closed and renamed; the playlist replaced through
// a temp file and a rename (`rename`: hls.sharedDir) or rewritten in place (`in-place`: the default); an old
// segment deleted (or, with `recycled`, renamed to the next segment's temp file and overwritten). `callbacks` is
// `recycled` as the writer does it now: Node's callback API on plain descriptors (src/hls/fs-calls.ts) instead of
// fs.promises, and a reused file cut only when the new segment is shorter. Segments alternate 5 % above and below
// --kbytes. Prints the CPU (user + system, all threads) per segment of each way, measured in the same run.
//   npm run bench:fs-ops -- [--streams 500] [--segments 8] [--kbytes 150] [--piece-kbytes 128] [--dir /tmp]
import { constants, promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { closeFd, openFd, renameFile, truncateFd, writeAll } from '../../images/rtmp-server/src/hls/fs-calls';

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

type Way = 'rename' | 'in-place' | 'recycled' | 'callbacks';
const WAYS: Way[] = ['rename', 'in-place', 'recycled', 'callbacks'];

const segmentBytes = (s: number): number => Math.round(SEGMENT * (s % 2 ? 0.95 : 1.05) / 188) * 188;

async function stream(dir: string, i: number, way: Way): Promise<void> {
  if (way === 'callbacks') return streamCallbacks(dir, i);
  let fh: fsp.FileHandle | null = null;
  const pl = path.join(dir, `s${i}.m3u8`), plTmp = path.join(dir, `.s${i}.m3u8.tmp`);
  for (let s = 0; s < SEGMENTS; s++) {
    const fin = path.join(dir, `s${i}-${s}.ts`), tmp = path.join(dir, `.s${i}-${s}.ts.tmp`);
    const old = s >= KEEP ? path.join(dir, `s${i}-${s - KEEP}.ts`) : null;
    const bytes = segmentBytes(s);
    if (way === 'recycled' && old) await fsp.rename(old, tmp);
    const seg = await fsp.open(tmp, way === 'recycled' && old ? constants.O_WRONLY : 'w');
    for (let off = 0; off < bytes; off += PIECE) await seg.write(piece, 0, Math.min(PIECE, bytes - off));
    if (way === 'recycled' && old) await seg.truncate(bytes);
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

async function streamCallbacks(dir: string, i: number): Promise<void> {
  let plFd: number | null = null;
  const pl = path.join(dir, `s${i}.m3u8`);
  for (let s = 0; s < SEGMENTS; s++) {
    const fin = path.join(dir, `s${i}-${s}.ts`), tmp = path.join(dir, `.s${i}-${s}.ts.tmp`);
    const old = s >= KEEP ? path.join(dir, `s${i}-${s - KEEP}.ts`) : null;
    const bytes = segmentBytes(s);
    if (old) await renameFile(old, tmp);
    const fd = await openFd(tmp, old ? constants.O_WRONLY : 'w');
    for (let off = 0; off < bytes; off += PIECE) await writeAll(fd, piece.subarray(0, Math.min(PIECE, bytes - off)), off);
    if (old && segmentBytes(s - KEEP) > bytes) await truncateFd(fd, bytes);
    await closeFd(fd);
    await renameFile(tmp, fin);
    plFd ??= await openFd(pl, constants.O_WRONLY | constants.O_CREAT);
    await writeAll(plFd, playlist, 0);
  }
  if (plFd !== null) await closeFd(plFd);
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
  const results: Record<Way, number[]> = { rename: [], 'in-place': [], recycled: [], callbacks: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of WAYS) results[way].push(await measure(way));
  }
  const sum = (w: Way) => results[w].reduce((x, y) => x + y);
  for (const way of WAYS) {
    console.log(`${way.padEnd(9)}: ${results[way].map((us) => `${us.toFixed(0)} µs`).join(' / ')} CPU per segment, ${(sum(way) / sum('rename')).toFixed(2)} x rename`);
  }
}

void main();
