// The publisher load client process: N RTMP publishers in one Node process, each replaying the same
// pre-encoded FLV in real time under its own name (no encoder runs). Driven over IPC by the ingest bench,
// pinned to its own core. Bounded: at most --max-publishers publishers, exits after --max-seconds or as soon
// as the orchestrator goes away.
import { performance } from 'node:perf_hooks';
import { loadReplay, Replay } from './flv-replay';
import { Mode, Publisher } from './publisher';
import { IngestCommand, IngestReply, PublisherStat } from './ingest-protocol';

const arg = (name: string, d: number) => Number(process.argv[process.argv.indexOf(name) + 1] ?? d) || d;
const maxSeconds = arg('--max-seconds', 900);
const maxPublishers = arg('--max-publishers', 5000);
/** The pacer's period: each publisher sends what is due once per tick (an encoder writes about as often). */
const TICK_MS = 10;

const pubs: Publisher[] = [];
const replays = new Map<string, Replay>();

function send(r: IngestReply): void {
  process.send!(r);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(c: Extract<IngestCommand, { cmd: 'start' }>): Promise<void> {
  const t0 = performance.now();
  const key = `${c.file}@${c.chunkSize}`;
  let replay = replays.get(key);
  if (!replay) { replay = loadReplay(c.file, c.chunkSize); replays.set(key, replay); }
  const mine: Publisher[] = [];
  for (let i = 0; i < c.names.length; i++) {
    if (pubs.length >= maxPublishers) break;
    // Publishers' GOPs spread evenly over a GOP (golden-ratio steps), as independent encoders' are.
    const phaseMs = ((pubs.length * 0.6180339887) % 1) * replay.gopMs;
    const p = new Publisher(c.port, c.app, c.names[i], replay, c.mode as Mode, () => {}, phaseMs);
    pubs.push(p);
    mine.push(p);
    if ((i + 1) % c.batch === 0) {
      // Each batch waits (bounded) until its publishers are publishing or refused.
      const deadline = performance.now() + c.batchTimeoutMs;
      while (performance.now() < deadline && mine.some((x) => x.state !== 'publishing' && x.state !== 'closed')) await sleep(20);
    }
  }
  const deadline = performance.now() + c.batchTimeoutMs;
  while (performance.now() < deadline && mine.some((x) => x.state !== 'publishing' && x.state !== 'closed')) await sleep(20);
  send({
    event: 'started', ms: performance.now() - t0,
    publishing: mine.filter((p) => p.state === 'publishing').length,
    refused: mine.filter((p) => p.state === 'closed').length,
    errors: errorsOf(mine),
  });
}

function errorsOf(list: Publisher[]): string[] {
  const counts = new Map<string, number>();
  for (const p of list) if (p.error) counts.set(p.error, (counts.get(p.error) ?? 0) + 1);
  return [...counts].slice(0, 10).map(([e, n]) => `${n}× ${e}`);
}

function stats(): PublisherStat[] {
  return pubs.map((p) => ({
    name: p.name, mode: p.mode, state: p.state, status: p.status, error: p.error,
    sent: p.sent, backlog: p.backlog, localPort: p.localPort,
  }));
}

function exit(code: number): never {
  for (const p of pubs) p.close();
  process.exit(code);
}

process.on('message', (c: IngestCommand) => {
  switch (c.cmd) {
    case 'start': void start(c); break;
    case 'collect': send({ event: 'collected', publishers: stats() }); break;
    case 'exit': exit(0);
  }
});
process.on('disconnect', () => exit(0));
setInterval(() => {
  const now = performance.now();
  for (let i = 0; i < pubs.length; i++) pubs[i].tick(now);
}, TICK_MS);
setTimeout(() => { console.error(`ingest client: --max-seconds ${maxSeconds} reached`); exit(2); }, maxSeconds * 1000).unref();
send({ event: 'ready' });
