/**
 * The ingest path alone, in one process, no sockets: K streams' RTMP chunk bytes (pre-encoded from the bench
 * FLV, cut into the ~10 ms pieces a publisher writes) go through the server's ChunkDecoder → Hub → HLS writer
 * (files in a temp dir), paced as fast as the CPU allows. Prints CPU-ms per stream-second (process.cpuUsage,
 * which includes libuv's file-write threads). Less exposed to a busy machine than the socket bench, so it is
 * the one to compare two builds of the server with:
 *
 *   npx ts-node bench/ingest/path-cost.ts [--src images/rtmp-server/src] [--streams 50] [--seconds 30] [--rate 2.6M] [--hls on]
 *
 * `--src` points at another copy of the server's source (e.g. an older commit extracted with `git archive`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { csidOf, loadReplay } from './client/flv-replay';

const { values: a } = parseArgs({
  options: {
    src: { type: 'string', default: path.resolve(__dirname, '../../images/rtmp-server/src') },
    streams: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '2.6M' },
    hls: { type: 'string', default: 'on' },
    rounds: { type: 'string', default: '3' },
  },
});

const FILES: Record<string, string> = {
  '2.6M': 'bench-1280x720-25fps-g50-2500k-128k-10s.flv',
  '600k': 'bench-640x360-25fps-g50-500k-96k-10s.flv',
};

/** One stream's bytes as a publisher writes them: 10 ms pieces of RTMP chunks (chunk size 4096, fmt-0 headers). */
function streamPieces(file: string, seconds: number): Buffer[] {
  const r = loadReplay(file, 4096);
  const pieces: Buffer[] = [];
  let cur: Buffer[] = [];
  let pieceEnd = 10;
  for (let loop = 0; loop * r.loopMs < seconds * 1000; loop++) {
    for (const t of r.tags) {
      if (loop > 0 && t.config) continue;
      const ts = 600_000 + t.ts + loop * r.loopMs;
      while (ts - 600_000 >= pieceEnd) { if (cur.length) pieces.push(Buffer.concat(cur)); cur = []; pieceEnd += 10; }
      const h = Buffer.alloc(12);
      h[0] = csidOf(t.type);
      h.writeUIntBE(ts, 1, 3);
      h.writeUIntBE(t.size, 4, 3);
      h[7] = t.type;
      h.writeUInt32LE(1, 8);
      cur.push(h, t.body);
    }
  }
  if (cur.length) pieces.push(Buffer.concat(cur));
  return pieces;
}

async function main(): Promise<void> {
  const src = path.resolve(a.src!);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { ChunkDecoder } = require(path.join(src, 'protocol/rtmp/chunk-decoder'));
  const { Hub } = require(path.join(src, 'hub/hub'));
  // src/hls/output since HLS got its own folder; hub/hls-output in older trees (comparing builds).
  const hlsOutput = fs.existsSync(path.join(src, 'hls/output.ts')) ? 'hls/output' : 'hub/hls-output';
  const { createHlsSinkFactory } = require(path.join(src, hlsOutput));
  const n = Number(a.streams);
  const seconds = Number(a.seconds);
  const file = path.resolve(__dirname, '../.cache', FILES[a.rate!]);
  if (!fs.existsSync(file)) throw new Error(`${file} missing: run the ingest bench once (it encodes it)`);
  const pieces = streamPieces(file, seconds);
  const log = pino({ level: 'silent' });
  const results: number[] = [];
  const faults: number[] = [];
  for (let round = 0; round <= Number(a.rounds); round++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'path-cost-'));
    const hub = new Hub({ play: { gopCache: true, mergeWriteMs: 350, maxQueueBytes: 4 << 20, slowPlayerCloseSeconds: 10 }, chunkSize: 60000 }, log);
    const factory = a.hls === 'on'
      ? createHlsSinkFactory({ enabled: true, dir, fragmentSeconds: 2, windowSeconds: 10, cleanupDelaySeconds: 0 }, log)
      : null;
    if (factory) { hub.addSinkFactory(factory); await factory.swept; }
    const decoders = Array.from({ length: n }, (_, i) => {
      const stream = hub.publish('live', `s${i}`, { id: `p${i}`, kind: 'rtmp-publish', ip: '', close: () => {}, recvBytes: () => 0 });
      const d = new ChunkDecoder({ maxMessageSize: 8 << 20, maxChunkStreams: 64 }, (m: { type: number }) => {
        if (m.type === 8 || m.type === 9 || m.type === 18) stream.push(m);
      });
      d.setChunkSize(4096);
      return d;
    });
    const start = process.cpuUsage();
    const faultsBefore = process.resourceUsage().minorPageFault;
    for (let p = 0; p < pieces.length; p++) {
      // Each stream gets its own copy of the piece, as a socket read would hand it (a fresh Buffer).
      for (const d of decoders) d.push(Buffer.from(pieces[p]));
      if (p % 200 === 199 && factory) await factory.flush(); // let the file writes run every ~2 s of media
      else if (p % 20 === 19) await new Promise((r) => setImmediate(r));
    }
    if (factory) await factory.flush();
    const u = process.cpuUsage(start);
    const cpu = (u.user + u.system) / 1000;
    if (round > 0) { // round 0 warms the JIT up
      results.push(cpu / (n * (pieces.length / 100)));
      faults.push((process.resourceUsage().minorPageFault - faultsBefore) / (n * (pieces.length / 100)));
    }
    hub.dispose();
    factory?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...results].sort((x, y) => x - y);
  console.log(`${path.relative(process.cwd(), src)}: ${n} × ${a.rate} HLS ${a.hls}, ${seconds} s: ` +
    `${sorted[Math.floor(sorted.length / 2)].toFixed(3)} CPU-ms per stream-second (median of ${results.length} rounds after a warm-up: ${results.map((x) => x.toFixed(3)).join(', ')}); ` +
    `minor page faults per stream-second ${faults.map((x) => x.toFixed(1)).join(', ')}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
