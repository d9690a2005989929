/**
 * Cost of the on_play gate: how long an RTMP player waits from TCP connect to NetStream.Play.Start, and how many
 * gated plays per second a server admits, for
 *   - the companion server without hooks,
 *   - the companion server with on_play → a local backend,
 *   - nginx-rtmp (the peer, measured in the same run) with on_play → the same backend.
 * The backend is one node:http server answering 200 `0` at once, so the figures are the servers' own overhead.
 *
 *   npx ts-node bench/hooks-gate.ts [--plays 400] [--concurrency 20] [--rounds 3]
 *
 * Prints, per peer, the server process's CPU time per admitted play (from /proc, robust to a busy machine), the
 * median and p95 admission time and the admissions per second (best round), and the ratios to nginx-rtmp.
 * Loopback only; every loop is bounded by --plays and a per-play timeout.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RtmpClient } from '../images/rtmp-server/src/protocol/rtmp/client';
import { freePort, waitForPort } from '../test/helpers/ports';
import { startServer } from '../test/helpers/server-process';
import { ensureNginx, nginxMainConf, nginxVersion } from './fanout/nginx';
import { start } from './fanout/procs';

const { values } = parseArgs({ options: {
  plays: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' },
} });
const PLAYS = Number(values.plays);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

interface Figures { medianMs: number; p95Ms: number; perSecond: number; failed: number; cpuMsPerPlay: number }

const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime (fields 14, 15 of the line)
}

/** PLAYS plays of live/bench-N at CONCURRENCY at a time; each timed from connect to Play.Start, then closed. */
async function measure(port: number, pid: number): Promise<Figures> {
  const times: number[] = [];
  const cpu0 = cpuMs(pid);
  let failed = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < PLAYS) {
      const i = next++;
      const c = new RtmpClient({ host: '127.0.0.1', port, app: 'live', stream: `bench-${i}`, timeoutMs: 5000, idleTimeoutMs: 0 });
      const t0 = process.hrtime.bigint();
      try {
        await c.start('play');
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch {
        failed++;
      } finally {
        c.close('bench done');
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { medianMs: at(0.5), p95Ms: at(0.95), perSecond: times.length / seconds, failed, cpuMsPerPlay: (cpuMs(pid) - cpu0) / Math.max(1, times.length) };
}

/** The round with the most plays per second; CPU per play is the median over the rounds. */
async function best(port: number, pid: number): Promise<Figures> {
  const all: Figures[] = [];
  for (let r = 0; r < ROUNDS; r++) all.push(await measure(port, pid));
  const cpu = all.map((f) => f.cpuMsPerPlay).sort((a, b) => a - b)[Math.floor(all.length / 2)];
  return { ...all.reduce((a, b) => (b.perSecond > a.perSecond ? b : a)), cpuMsPerPlay: cpu };
}

async function main(): Promise<void> {
  let calls = 0;
  const backend = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { calls++; res.writeHead(200).end('0'); });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/on_play`;
  const rows: [string, Figures, number][] = [];

  const plain = await startServer({ configYaml: 'hls:\n  enabled: false\nlog:\n  level: warn\n' });
  try { rows.push(['companion, no hooks', await best(plain.rtmpPort, plain.proc.pid!), 0]); } finally { await plain.stop('SIGKILL'); }

  const before = calls;
  const hooked = await startServer({ configYaml: `hooks:\n  onPlay: ["${hookUrl}"]\nhls:\n  enabled: false\nlog:\n  level: warn\n` });
  try { rows.push(['companion, on_play', await best(hooked.rtmpPort, hooked.proc.pid!), calls - before]); } finally { await hooked.stop('SIGKILL'); }

  const mod = ensureNginx();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hooks-nginx-'));
  const port = await freePort();
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `
load_module ${mod};
${nginxMainConf(prefix, 4096)}
rtmp { server { listen 127.0.0.1:${port}; application live { live on; on_play ${hookUrl}; } } }
`);
  const nginx = start('nginx-rtmp', 'nginx', ['-p', prefix, '-e', `${prefix}/error.log`, '-c', `${prefix}/nginx.conf`]);
  const beforeNginx = calls;
  try {
    await waitForPort(port);
    rows.push(['nginx-rtmp, on_play', await best(port, nginx.pid), calls - beforeNginx]);
  } finally {
    await nginx.stop();
    fs.rmSync(prefix, { recursive: true, force: true });
    backend.close();
  }

  const peer = rows[2][1];
  console.log(`on_play gate: ${PLAYS} RTMP plays, ${CONCURRENCY} at a time, best of ${ROUNDS} rounds; ${nginxVersion()}; Node ${process.version}`);
  console.log('| peer | server CPU per play | × nginx-rtmp | admission median | p95 | plays/s (best round) | hook calls | failed |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, f, hookCalls] of rows) {
    console.log(`| ${name} | ${f.cpuMsPerPlay.toFixed(2)} ms | ${(f.cpuMsPerPlay / peer.cpuMsPerPlay).toFixed(2)} | ` +
      `${f.medianMs.toFixed(1)} ms | ${f.p95Ms.toFixed(1)} ms | ${f.perSecond.toFixed(0)} | ${hookCalls} | ${f.failed} |`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
