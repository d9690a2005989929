// Players on an edge of a stream whose publisher ended. The edge's pull used to become the edge's publisher again
// with every reconnect (the origin's first message, `|RtmpSampleAccess`, was enough), which reset the players'
// no-publisher time: FLV and RTMP players stayed connected for good, receiving nothing. Now they are closed after
// play.noPublisherCloseSeconds, counted from when the origin's publisher went, and the edge then stops pulling.
import { ChildProcess, spawn } from 'node:child_process';
import { publish } from '../helpers/media';
import { events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, until } from './api-players';

// The origin drops its waiting players (the edge's pull) sooner than the edge drops its own, so the edge
// reconnects several times within its players' no-publisher time.
const yaml = (noPublisherCloseSeconds: number) =>
  `hls:\n  enabled: false\nplay:\n  noPublisherCloseSeconds: ${noPublisherCloseSeconds}\nedge:\n  idleSeconds: 2\n  retrySeconds: 1\n`;
const EDGE_CLOSE_SECONDS = 8;

/** ffmpeg playing `url` with a read timeout far longer than the test: it leaves only when the server closes it. */
function patientPlayer(url: string): { proc: ChildProcess; exited: Promise<number | null>; stop(): Promise<void> } {
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-rw_timeout', '120000000', '-i', url,
    '-t', '120', '-f', 'null', '-'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { proc, exited, stop: async () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); await exited; } };
}

let origin: RunningServer;
let edge: RunningServer;
beforeAll(async () => {
  origin = await startServer({ configYaml: yaml(2) });
  edge = await startServer({ configYaml: yaml(EDGE_CLOSE_SECONDS), args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`] });
});
afterAll(async () => { await Promise.all([origin?.stop(), edge?.stop()]); });

const clientsOf = async (s: RunningServer) => (await getJson(s.apiUrl('/api/v1/clients'))).clients as any[];

test('FLV and RTMP players on an edge are closed after the no-publisher time, across the edge\'s reconnects; then the pull stops', async () => {
  const pub = publish(origin.rtmpUrl('live', 'ended'), 60);
  const flv = patientPlayer(edge.httpUrl('/live/ended.flv'));
  const rtmp = patientPlayer(edge.rtmpUrl('live', 'ended'));
  try {
    await until(async () => {
      const streams = (await getJson(edge.apiUrl('/api/v1/streams'))).streams as any[];
      return streams.some((s) => s.name === 'ended' && s.publish.active && s.frames > 50 && s.clients === 3);
    }, 150);
    await pub.stop(); // the encoder goes away for good
    const ended = Date.now();
    const pullsBefore = events(edge, 'edge-pull-start', { stream: 'ended' }).length;
    const closed = await waitForEvent(edge, 'close', { stream: 'ended', role: 'play', reason: 'no publisher' }, 2, 25_000);
    const afterMs = Date.now() - ended;
    expect(afterMs).toBeGreaterThanOrEqual((EDGE_CLOSE_SECONDS - 1) * 1000); // the bound is waited for, not cut short
    // The edge did reconnect to the origin meanwhile (the origin closed its pull after 2 s): that reset nothing.
    expect(events(edge, 'edge-pull-start', { stream: 'ended' }).length).toBeGreaterThan(pullsBefore);
    expect(closed.map((c) => c.client).sort()).toEqual(
      events(edge, 'play', { stream: 'ended' }).map((p) => p.client).sort());
    await Promise.all([flv.exited, rtmp.exited]);
    expect(await clientsOf(edge)).toEqual([]);
    // Then the edge stops pulling (idle), and does not come back to the origin.
    await waitForEvent(edge, 'edge-pull-stop', { stream: 'ended', reason: 'idle' }, 1, 15_000);
    await until(async () => (await clientsOf(origin)).length === 0, 50);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await clientsOf(origin)).toEqual([]);
    expect(await clientsOf(edge)).toEqual([]);
  } finally {
    await Promise.all([pub.stop(), flv.stop(), rtmp.stop()]);
  }
}, 90_000);
