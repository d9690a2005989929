/**
 * CPU cost of recording (DVR) per stream, in two measurements:
 *
 * 1. In process, on the bench's 720p FLV: the companion recorder (FLV tags → file, the real DvrSinkFactory) and
 *    the MP4 step (`ffmpeg -c copy` remux of the closed FLV, what `dvr.format: mp4` adds), each in CPU-ms per
 *    stream-second of media. Precise: no network, no other process in the figure.
 * 2. Live, with real publishers: N streams published in real time for S seconds to the companion server with
 *    dvr off / flv / mp4, and to nginx-rtmp (the peer) with `record` off / all; the server's CPU (its own plus
 *    its waited-for children, i.e. the ffmpeg remuxes) over the publish and until the files are finished. The
 *    cost of recording is each "on" run minus the same server's "off" run, per stream-second, and the ratio is
 *    companion over nginx-rtmp, measured in the same run.
 *
 *   npx ts-node bench/dvr-cost.ts [--streams 4] [--seconds 30] [--rounds 3]
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pino from 'pino';
import { createDvrSinkFactory } from '../images/rtmp-server/src/dvr/dvr-output';
import { DEFAULT_SERVER_CONFIG } from '../lib/server-config';
import { freePort, waitForPort } from '../test/helpers/ports';
import { readFlvTags } from '../test/helpers/flv-file';
import { ensureServerBundle, SERVER_BUNDLE } from './fanout/companion';
import { benchMedia, CACHE_DIR, Media, publish } from './fanout/media';
import { ensureNginx, nginxMainConf, nginxVersion } from './fanout/nginx';
import { Proc, start, stopAll } from './fanout/procs';

const execFileP = promisify(execFile);
const { values } = parseArgs({ options: {
  streams: { type: 'string', default: '4' }, seconds: { type: 'string', default: '30' }, rounds: { type: 'string', default: '3' },
} });
const STREAMS = Number(values.streams);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** CPU-ms of a process and of its waited-for children (fields utime, stime, cutime, cstime). */
function cpuWithChildrenMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}

/** 1a: the recorder alone, in this process: CPU-ms per stream-second. */
async function recorderInProcess(media: Media, work: string): Promise<number> {
  const tags = readFlvTags(media.file);
  const factory = createDvrSinkFactory({ ...DEFAULT_SERVER_CONFIG.dvr, enabled: true, dir: work }, pino({ level: 'silent' }));
  const run = async (name: string): Promise<number> => {
    const t0 = process.cpuUsage();
    const sink = factory('live', name)!;
    for (let i = 0; i < tags.length; i++) {
      sink.onMessage(tags[i]);
      if (i % 200 === 199) await factory.flush(); // let the writes run as they do live
    }
    sink.end();
    await factory.flush();
    const u = process.cpuUsage(t0);
    return (u.user + u.system) / 1000;
  };
  await run('warmup');
  const per: number[] = [];
  for (let r = 0; r < ROUNDS * 3; r++) per.push((await run(`s${r}`)) / media.seconds);
  factory.close();
  return median(per);
}

/**
 * 1b: the MP4 step alone: ffmpeg -c copy of a recorded FLV (6 loops of the bench media, about a minute), CPU-ms
 * (user+sys via bash `times`). Returns the marginal cost per stream-second (a 60 s run minus a 1 s run) and the
 * fixed cost per file (process start-up, probing, the faststart rewrite), which a long recording amortizes.
 */
async function remuxInProcess(media: Media, work: string): Promise<{ perSecond: number; startupMs: number; seconds: number }> {
  const long = path.join(work, 'long.flv');
  await execFileP('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', '5', '-i', media.file, '-c', 'copy', '-f', 'flv', long]);
  const seconds = media.seconds * 6;
  const run = async (t: number): Promise<number> => {
    const cmd = `ffmpeg -hide_banner -nostdin -loglevel error -y -f flv -i "$1" -t ${t} -map 0 -c copy -movflags +faststart -f mp4 "$2" && times`;
    const { stdout } = await execFileP('bash', ['-c', cmd, 'bench', long, path.join(work, 'x.mp4')]);
    const secs = [...stdout.trim().split('\n').pop()!.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    return (secs[0] + secs[1]) * 1000;
  };
  const full: number[] = [];
  const short: number[] = [];
  for (let r = 0; r < ROUNDS * 3; r++) { full.push(await run(seconds)); short.push(await run(1)); }
  const perSecond = (median(full) - median(short)) / (seconds - 1);
  return { perSecond, startupMs: median(short) - perSecond, seconds };
}

interface Peer { readonly proc: Proc; readonly rtmpPort: number; readonly dir: string; readonly done: () => boolean }

async function startCompanionPeer(dvr: 'off' | 'flv' | 'mp4'): Promise<Peer> {
  const [rtmpPort, httpPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvr-cost-companion-'));
  const config = path.join(dir, 'rtmp-server.yaml');
  fs.writeFileSync(config, [
    'hls:', '  enabled: false', 'log:', '  level: warn', 'lifecycle:', '  readinessGraceSeconds: 0', '  drainSeconds: 1',
    ...(dvr === 'off' ? [] : ['dvr:', '  enabled: true', `  dir: ${path.join(dir, 'rec')}`, `  format: ${dvr}`]), '',
  ].join('\n'));
  const proc = start(`companion-dvr-${dvr}`, process.execPath, [
    path.join(CACHE_DIR, 'rtmp-server-main.js'), '--config', config, '--rtmp-port', String(rtmpPort),
    '--http-port', String(httpPort), '--api-port', String(apiPort),
  ]);
  await waitForPort(rtmpPort, 15000);
  const finished = () => listFiles(path.join(dir, 'rec')).filter((f) => f.endsWith(`.${dvr}`)).length;
  return { proc, rtmpPort, dir, done: () => dvr === 'off' || (finished() >= STREAMS && !listFiles(path.join(dir, 'rec')).some((f) => f.endsWith('.tmp'))) };
}

async function startNginxPeer(record: boolean): Promise<Peer> {
  const mod = ensureNginx();
  const rtmpPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvr-cost-nginx-'));
  fs.mkdirSync(path.join(dir, 'rec'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `
load_module ${mod};
${nginxMainConf(dir, 1024)}
rtmp { server { listen 127.0.0.1:${rtmpPort}; application live {
  live on;
  ${record ? `record all; record_path ${dir}/rec; record_unique on;` : 'record off;'}
} } }
`);
  const proc = start(`nginx-record-${record ? 'all' : 'off'}`, 'nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`]);
  await waitForPort(rtmpPort, 15000);
  return { proc, rtmpPort, dir, done: () => true };
}

function listFiles(dir: string): string[] {
  try { return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String); } catch { return []; }
}

/** CPU-ms the peer used for STREAMS streams published for SECONDS, until its files are finished. */
async function liveRun(media: Media, peer: Peer): Promise<{ cpuMs: number; recordedBytes: number }> {
  await sleep(1000);
  if (peer.proc.child.exitCode !== null) throw new Error(`${peer.proc.name} exited:\n${peer.proc.output()}`);
  const before = cpuWithChildrenMs(peer.proc.pid);
  const pubs = Array.from({ length: STREAMS }, (_, i) => publish(media, `rtmp://127.0.0.1:${peer.rtmpPort}/live/s${i}`));
  await sleep(SECONDS * 1000);
  await Promise.all(pubs.map((p) => p.stop(2000)));
  for (let i = 0; i < 120 && !peer.done(); i++) await sleep(250); // files renamed / remuxed (bounded: 30 s)
  await sleep(500);
  const cpuMs = cpuWithChildrenMs(peer.proc.pid) - before;
  const recordedBytes = listFiles(path.join(peer.dir, 'rec'))
    .reduce((n, f) => n + (fs.statSync(path.join(peer.dir, 'rec', f)).isFile() ? fs.statSync(path.join(peer.dir, 'rec', f)).size : 0), 0);
  await peer.proc.stop(5000);
  fs.rmSync(peer.dir, { recursive: true, force: true });
  return { cpuMs, recordedBytes };
}

async function main(): Promise<void> {
  ensureServerBundle(false);
  const media = benchMedia();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dvr-cost-'));
  try {
    console.log(`media: ${media.description}; host: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ${nginxVersion()}`);
    console.log(`server bundle: ${SERVER_BUNDLE}`);
    const rec = await recorderInProcess(media, path.join(work, 'rec'));
    const remux = await remuxInProcess(media, work);
    console.log('\n1. in process (median of rounds), CPU-ms per stream-second of media:');
    console.log(`   companion FLV recorder          : ${rec.toFixed(3)}`);
    const perFile = (secs: number) => rec + remux.perSecond + remux.startupMs / secs;
    console.log(`   + MP4 remux (ffmpeg -c copy)     : ${remux.perSecond.toFixed(3)} marginal, + ${remux.startupMs.toFixed(0)} CPU-ms per file (measured on ${remux.seconds.toFixed(0)} s)`);
    console.log(`   = dvr.format mp4, 30 s files     : ${perFile(30).toFixed(3)}; 10 min files: ${perFile(600).toFixed(3)}; 1 h files: ${perFile(3600).toFixed(3)}`);

    const cases: [string, () => Promise<Peer>][] = [
      ['companion dvr off', () => startCompanionPeer('off')],
      ['companion dvr flv', () => startCompanionPeer('flv')],
      ['companion dvr mp4', () => startCompanionPeer('mp4')],
      ['nginx-rtmp record off', () => startNginxPeer(false)],
      ['nginx-rtmp record all', () => startNginxPeer(true)],
    ];
    const cpu: Record<string, number[]> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, make] of cases) {
        const res = await liveRun(media, await make());
        (cpu[name] ??= []).push(res.cpuMs);
        console.log(`   round ${r + 1} ${name.padEnd(22)}: ${res.cpuMs.toFixed(0)} CPU-ms, ${(res.recordedBytes / 1e6).toFixed(1)} MB recorded`);
      }
    }
    const streamSeconds = STREAMS * SECONDS;
    const m = (name: string) => median(cpu[name]);
    const cost = (on: string, off: string) => (m(on) - m(off)) / streamSeconds;
    const nginx = cost('nginx-rtmp record all', 'nginx-rtmp record off');
    console.log(`\n2. live (one ${SECONDS} s file per stream): ${STREAMS} streams x ${SECONDS} s, ${ROUNDS} rounds (median); recording cost = on minus off, CPU-ms per stream-second:`);
    for (const [name, on, off] of [
      ['companion FLV', 'companion dvr flv', 'companion dvr off'],
      ['companion MP4', 'companion dvr mp4', 'companion dvr off'],
      ['nginx-rtmp record all', 'nginx-rtmp record all', 'nginx-rtmp record off'],
    ] as const) {
      const c = cost(on, off);
      console.log(`   ${name.padEnd(22)}: ${c.toFixed(3)}  (server total ${(m(on) / streamSeconds).toFixed(3)} vs ${(m(off) / streamSeconds).toFixed(3)} without)`
        + (name.startsWith('companion') && nginx > 0 ? `  x nginx-rtmp: ${(c / nginx).toFixed(2)}` : ''));
    }
  } finally {
    await stopAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch(async (e) => { console.error(e); await stopAll(); process.exit(1); });
