// The load client process: holds thousands of players and answers the orchestrator's commands over IPC.
// Run as a bundle (esbuild), pinned to its own core by the orchestrator. Bounded: exits after
// --max-seconds, or as soon as the orchestrator goes away.
import { performance } from 'node:perf_hooks';
import { FlvPlayer } from './flv-player';
import { Player, resumeThrottled } from './player';
import { Command, JoinTiming, Reply, Target } from './protocol';
import { RtmpPlayer } from './rtmp-player';

const maxSeconds = Number(process.argv[process.argv.indexOf('--max-seconds') + 1] ?? 900) || 900;
const players: Player[] = [];
const slow = new Set<Player>();
let marks: number[] = [];
let markAt = 0;
let closedAtMark = 0;

function send(r: Reply): void {
  process.send!(r);
}

function open(t: Target, slowRate: number): Player {
  return t.proto === 'rtmp'
    ? new RtmpPlayer(t.port, t.app, t.stream, slowRate)
    : new FlvPlayer(t.port, `/${t.app}/${t.stream}.flv`, slowRate);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every player in `batch` has media flowing or is closed, at most `timeoutMs`. */
async function settle(batch: Player[], done: (p: Player) => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !batch.every((p) => done(p) || p.closed)) await sleep(20);
}

function errorsOf(list: Player[]): string[] {
  const counts = new Map<string, number>();
  for (const p of list) if (p.closed && p.error) counts.set(p.error, (counts.get(p.error) ?? 0) + 1);
  return [...counts].slice(0, 10).map(([e, n]) => `${n}× ${e}`);
}

async function ramp(c: Extract<Command, { cmd: 'ramp' }>): Promise<void> {
  const t0 = performance.now();
  const slowEvery = c.slowFraction > 0 ? Math.round(1 / c.slowFraction) : 0;
  for (let i = 0; i < c.count; i += c.batch) {
    const batch: Player[] = [];
    for (let j = i; j < Math.min(c.count, i + c.batch); j++) {
      const isSlow = slowEvery > 0 && j % slowEvery === slowEvery - 1;
      const p = open(c.target, isSlow ? c.slowRate : 0);
      if (isSlow) slow.add(p);
      batch.push(p);
      players.push(p);
    }
    await settle(batch, (p) => p.firstMediaMs >= 0, c.batchTimeoutMs);
  }
  const playing = players.filter((p) => !p.closed && p.firstMediaMs >= 0).length;
  const failed = players.filter((p) => p.closed).length;
  send({ event: 'ramped', started: players.length, playing, failed, errors: errorsOf(players), ms: performance.now() - t0 });
}

async function join(c: Extract<Command, { cmd: 'join' }>): Promise<void> {
  const joiners: Player[] = [];
  for (let i = 0; i < c.count; i++) {
    joiners.push(open(c.target, 0));
    await sleep(c.spacingMs);
  }
  await settle(joiners, (p) => p.firstKeyMs >= 0, c.timeoutMs);
  const timings: JoinTiming[] = joiners.map((p) => ({
    firstMediaMs: p.firstMediaMs, firstFrameMs: p.firstFrameMs, firstFrameKey: p.firstFrameKey,
    firstKeyMs: p.firstKeyMs, error: p.error,
  }));
  joiners.forEach((p) => p.close());
  send({ event: 'joined', timings });
}

function exit(code: number): never {
  for (const p of players) p.close();
  process.exit(code);
}

process.on('message', (c: Command) => {
  switch (c.cmd) {
    case 'ramp': void ramp(c); break;
    case 'mark':
      markAt = performance.now();
      marks = players.map((p) => p.bytes);
      closedAtMark = players.filter((p) => p.closed).length;
      send({ event: 'marked' });
      break;
    case 'collect':
      send({
        event: 'collected',
        windowMs: performance.now() - markAt,
        deltas: players.map((p, i) => p.bytes - (marks[i] ?? 0)),
        slow: players.map((p) => slow.has(p)),
        closedDuringWindow: players.filter((p) => p.closed).length - closedAtMark,
        errors: errorsOf(players),
      });
      break;
    case 'join': void join(c); break;
    case 'exit': exit(0);
  }
});
process.on('disconnect', () => exit(0));
setInterval(resumeThrottled, 20).unref();
setTimeout(() => { console.error(`load client: --max-seconds ${maxSeconds} reached`); exit(2); }, maxSeconds * 1000).unref();
send({ event: 'ready' });
