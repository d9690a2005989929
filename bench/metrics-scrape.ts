/**
 * /metrics scrape cost (a figure, not a test): the server's registry over a hub snapshot of STREAMS streams with
 * PLAYERS players in total, scraped with per-stream series off (metrics.streamSeries 0, the peer) and at the
 * default cap of 50 and at 500. Prints ms per scrape (median of RUNS) and the response size, and the ratio to
 * the peer measured in the same run.
 *   npx ts-node -T bench/metrics-scrape.ts
 */
import { performance } from 'perf_hooks';
import { createMetrics } from '../images/rtmp-server/src/http/metrics';
import { fakeClient, FakeHub, fakeStream } from '../test/server/api-fake-hub';

const STREAMS = 1000;
const PLAYERS = 10000;
const RUNS = 30;

const streams = Array.from({ length: STREAMS }, (_, i) => fakeStream(i, Math.floor(PLAYERS / STREAMS)));
const clients = streams.flatMap((s, i) => Array.from({ length: s.players }, (_, j) => fakeClient(`c${i}-${j}`, j % 2 ? 'flv-play' : 'rtmp-play', s.id)));
const hub = new FakeHub(streams, clients);

async function measure(cap: number): Promise<{ ms: number; bytes: number; series: number }> {
  const register = createMetrics({ hub, hlsStats: null, mode: () => 'edge', ready: () => true, streamSeries: () => cap });
  const times: number[] = [];
  let text = '';
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    text = await register.metrics();
    times.push(performance.now() - t);
    await new Promise((r) => setImmediate(r)); // the scrape snapshot is dropped on the next turn, as between real scrapes
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)], bytes: text.length, series: text.split('\n').filter((l) => l && !l.startsWith('#')).length };
}

async function main(): Promise<void> {
  process.stdout.write(`${STREAMS} streams, ${PLAYERS} players, median of ${RUNS} scrapes\n`);
  const peer = await measure(0);
  for (const cap of [0, 50, 500]) {
    const r = cap === 0 ? peer : await measure(cap);
    process.stdout.write(`streamSeries ${String(cap).padStart(3)}: ${r.ms.toFixed(2)} ms/scrape (${(r.ms / peer.ms).toFixed(2)}x), ${r.series} series, ${(r.bytes / 1024).toFixed(1)} KiB\n`);
  }
}

void main();
