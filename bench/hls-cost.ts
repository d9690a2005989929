/**
 * CPU cost of HLS per stream: our native muxer (FLV tags → TS segments + playlist, in-process) versus the
 * alternative of one `ffmpeg -c copy -f hls` process per stream, on the same 720p 2.6 Mbit/s FLV.
 *
 *   npx ts-node bench/hls-cost.ts [--seconds 120] [--runs 3] [--rounds 3]
 *
 * Prints CPU-ms per stream-second for each and their ratio. Native CPU is process.cpuUsage() around the
 * runs (includes libuv's file-write threads). ffmpeg CPU is its rusage (user+sys) read with bash's `times`;
 * "marginal" subtracts a 2 s run to remove process start-up, i.e. the steady-state cost of a long stream.
 * ffmpeg here reads a local file — in production it would also pull the stream over RTMP, so its figure is
 * a lower bound.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pino from 'pino';
import { createHlsSinkFactory, HlsSinkFactory } from '../images/rtmp-server/src/hls/output';
import { FlvTsMuxer, TsBuffer } from '../images/rtmp-server/src/protocol/mpegts';
import { FlvTag, readFlvTags } from '../test/helpers/flv-file';

const execFileP = promisify(execFile);
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '120' }, runs: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' } } });
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const ROUNDS = Number(values.rounds);

async function makeSource(): Promise<string> {
  const file = path.join(os.tmpdir(), `hls-cost-720p-${SECONDS}s.flv`);
  if (fs.existsSync(file)) return file;
  await execFileP('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', file,
  ]);
  return file;
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

/** Native: one new stream through the real writer (files, playlist, window deletes, cleanup); CPU-ms. */
async function nativeRun(factory: HlsSinkFactory, tags: readonly FlvTag[], name: string): Promise<number> {
  const start = process.cpuUsage();
  const sink = factory('live', name)!;
  for (let i = 0; i < tags.length; i++) {
    sink.onMessage(tags[i]);
    // Let the queued writes run every ~2 s of media, as they do live (instead of 2 minutes of segments piling up).
    if (i % 200 === 199) await factory.flush();
  }
  sink.end();
  await factory.flush();
  return cpuMs(process.cpuUsage(start));
}

/** The muxer alone (no files): what the event loop pays per message; CPU-ms for one stream. */
function muxOnlyRun(tags: readonly FlvTag[]): number {
  const start = process.cpuUsage();
  const m = new FlvTsMuxer();
  let out = new TsBuffer();
  m.tables(out);
  for (const t of tags) {
    const f = m.parse(t.type, t.timestamp, t.payload);
    if (f) m.mux(f, out);
    if (out.length > 1 << 20) out = new TsBuffer(1 << 21); // a new "segment" now and then, as the writer does
  }
  return cpuMs(process.cpuUsage(start));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** GNU time, when installed, reports ffmpeg's peak memory (optional: the CPU figure does not need it). */
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : '';

/**
 * One `ffmpeg -c copy -f hls` run over `seconds` of the source: CPU-ms (user+sys, via bash `times`, which
 * counts every waited-for descendant) and peak RSS in kB (0 without GNU time).
 */
async function ffmpegRun(src: string, outDir: string, seconds: number): Promise<{ cpu: number; rssKb: number }> {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const rssFile = path.join(outDir, 'rss');
  const wrap = GNU_TIME ? `${GNU_TIME} -o "$3" -f %M ` : '';
  const cmd = `${wrap}ffmpeg -hide_banner -loglevel error -i "$1" -t ${seconds} -c copy -f hls -hls_time 2 `
    + `-hls_list_size 5 -hls_flags delete_segments "$2/x.m3u8" && times`;
  const { stdout } = await execFileP('bash', ['-c', cmd, 'bench', src, outDir, rssFile]);
  const children = stdout.trim().split('\n').pop()!; // second line of `times`: children's user and sys
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  const rssKb = GNU_TIME ? Number(fs.readFileSync(rssFile, 'utf8').trim()) : 0;
  return { cpu: (secs[0] + secs[1]) * 1000, rssKb };
}

async function main(): Promise<void> {
  const src = await makeSource();
  const tags = readFlvTags(src);
  const mediaSeconds = tags[tags.length - 1].timestamp / 1000;
  const bytes = fs.statSync(src).size;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-cost-'));
  try {
    const factory = createHlsSinkFactory(
      { enabled: true, dir: path.join(work, 'native'), fragmentSeconds: 2, windowSeconds: 10, cleanupDelaySeconds: 0, sharedDir: false },
      pino({ level: 'silent' }));
    await factory.swept;
    await nativeRun(factory, tags, 'warmup'); // JIT warm-up, not counted
    muxOnlyRun(tags);
    const nat: number[] = [];
    const mux: number[] = [];
    const ffFull: number[] = [];
    const ffShort: number[] = [];
    let rssKb = 0;
    // Rounds of RUNS streams per method, each method's batch back to back (so its own GC is counted in it);
    // the median round is reported, which keeps the noise of other processes on the machine out.
    for (let round = 0; round < ROUNDS; round++) {
      let cpu = 0;
      for (let r = 0; r < RUNS; r++) cpu += await nativeRun(factory, tags, `s${round}-${r}`);
      nat.push(cpu / RUNS);
      cpu = 0;
      for (let r = 0; r < RUNS; r++) cpu += muxOnlyRun(tags);
      mux.push(cpu / RUNS);
      let full = 0;
      let short = 0;
      for (let r = 0; r < RUNS; r++) {
        const f = await ffmpegRun(src, path.join(work, 'ff'), SECONDS);
        full += f.cpu;
        rssKb = Math.max(rssKb, f.rssKb);
        short += (await ffmpegRun(src, path.join(work, 'ff'), 2)).cpu;
      }
      ffFull.push(full / RUNS);
      ffShort.push(short / RUNS);
    }
    factory.close();
    const nativePer = median(nat) / mediaSeconds;
    const ffPer = median(ffFull) / mediaSeconds;
    const ffMarginal = (median(ffFull) - median(ffShort)) / (mediaSeconds - 2);
    const startup = median(ffShort) - 2 * ffMarginal;

    console.log(`source: ${src} (${mediaSeconds.toFixed(1)} s, ${((bytes * 8) / mediaSeconds / 1e6).toFixed(2)} Mbit/s, 1280x720 H.264 + AAC)`);
    console.log(`runs: ${ROUNDS} rounds of ${RUNS} streams per method (median round); host: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`);
    const { segmentsWritten, droppedSegments } = factory.stats;
    console.log(`native muxer + files : ${nativePer.toFixed(3)} CPU-ms per stream-second `
      + `(${segmentsWritten} segments written, ${droppedSegments} dropped)`);
    console.log(`native muxer only    : ${(median(mux) / mediaSeconds).toFixed(3)} CPU-ms per stream-second `
      + '(indicative: garbage collection of earlier work can land here)');
    console.log(`ffmpeg -c copy -f hls: ${ffPer.toFixed(3)} CPU-ms per stream-second incl. start-up; `
      + `${ffMarginal.toFixed(3)} marginal (start-up ≈ ${startup.toFixed(0)} CPU-ms per process)`);
    if (rssKb) console.log(`ffmpeg peak memory   : ${(rssKb / 1024).toFixed(0)} MB per stream (a separate process each)`);
    console.log(`ratio ffmpeg/native  : ${(ffPer / nativePer).toFixed(1)}x incl. start-up, ${(ffMarginal / nativePer).toFixed(1)}x marginal`);
    console.log(`per core (1000 CPU-ms/s): native ≈ ${Math.floor(1000 / nativePer)} streams, ffmpeg ≈ ${Math.floor(1000 / ffMarginal)} streams`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
