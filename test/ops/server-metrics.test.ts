// The server metrics the alerts and the dashboard read: reload and pull-failure counters on real server
// processes, and the per-stream series cap and publish-stall gauge on a hub snapshot with a fake clock.
import { Registry } from 'prom-client';
import { capStreams, registerStreamMetrics } from '../../images/rtmp-server/src/http/metrics-streams';
import type { StreamSnapshot } from '../../images/rtmp-server/src/hub/types';
import { freePort } from '../helpers/ports';
import { startServer } from '../helpers/server-process';
import { metric, until } from '../server/api-players';
import { ConfigMapDir } from '../server/config-configmap';

const scrape = async (url: string) => (await fetch(url)).text();

describe('reload and pull-failure counters on real servers', () => {
  test('an applied reload counts in config_reloads_total, a refused one in config_reloads_rejected_total', async () => {
    const cm = new ConfigMapDir('hls:\n  enabled: false\n');
    const server = await startServer({ args: ['--config', cm.file] });
    try {
      const m = () => scrape(server.apiUrl('/metrics'));
      expect(metric(await m(), 'rtmp_server_config_reloads_total')).toBe(0);
      expect(metric(await m(), 'rtmp_server_config_reloads_rejected_total')).toBe(0);
      cm.update('hls:\n  enabled: false\nplay:\n  mergeWriteMs: 100\n');
      await until(async () => metric(await m(), 'rtmp_server_config_reloads_total') === 1, 50);
      cm.update('hls:\n  enabled: false\nplay:\n  mergeWriteMs: -5\n');
      await until(async () => metric(await m(), 'rtmp_server_config_reloads_rejected_total') === 1, 50);
      expect(metric(await m(), 'rtmp_server_config_reloads_total')).toBe(1);
      expect((await fetch(server.apiUrl('/healthz'))).status).toBe(200);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  test('an edge whose origin refuses connections counts upstream_pull_failures_total while a player waits', async () => {
    const closedPort = await freePort(); // nothing listens there
    const edge = await startServer({ configYaml: 'edge:\n  retrySeconds: 0.2\n', args: ['--mode', 'edge', '--origin', `127.0.0.1:${closedPort}`] });
    const player = new AbortController();
    try {
      const m = () => scrape(edge.apiUrl('/metrics'));
      expect(metric(await m(), 'rtmp_server_upstream_pull_failures_total')).toBe(0);
      const waiting = fetch(edge.httpUrl('/live/nowhere.flv'), { signal: player.signal }).then((r) => r.arrayBuffer()).catch(() => null);
      await until(async () => metric(await m(), 'rtmp_server_upstream_pull_failures_total') >= 3, 50);
      player.abort();
      await waiting;
    } finally {
      await edge.stop('SIGKILL');
    }
  });
});

function stream(name: string, over: Partial<StreamSnapshot> = {}): StreamSnapshot {
  return {
    id: `vid-${name}`, app: 'live', name, tcUrl: 'rtmp://x/live', liveMs: 1000, players: 0, publishing: true,
    publisherId: `pub-${name}`, frames: 0, sendBytes: 0, recvBytes: 0, kbpsRecv30s: 0, kbpsSend30s: 0, video: null, audio: null,
    ...over,
  };
}

describe('per-stream series and the publish stall gauge', () => {
  test('capStreams keeps the streams with most players, then most bytes, and counts the rest', () => {
    const streams = [stream('a', { players: 1 }), stream('b', { players: 5 }), stream('c', { players: 1, recvBytes: 9 }), stream('d')];
    expect(capStreams(streams, 2)).toEqual({ kept: [streams[1], streams[2]], omitted: 2 });
    expect(capStreams(streams, 0)).toEqual({ kept: [], omitted: 4 });
    expect(capStreams(streams, 10).omitted).toBe(0);
  });

  test('the registry exposes the capped series with app/stream labels, and the omitted count', async () => {
    const register = new Registry();
    const streams = [stream('a', { players: 3, recvBytes: 100, sendBytes: 300 }), stream('b', { players: 1 }), stream('c')];
    registerStreamMetrics(register, { streams: () => streams, cap: () => 2 });
    const text = await register.metrics();
    expect(metric(text, 'rtmp_server_stream_players{app="live",stream="a"}')).toBe(3);
    expect(metric(text, 'rtmp_server_stream_players{app="live",stream="b"}')).toBe(1);
    expect(text).not.toMatch(/stream="c"/);
    expect(metric(text, 'rtmp_server_stream_received_bytes_total{app="live",stream="a"}')).toBe(100);
    expect(metric(text, 'rtmp_server_stream_sent_bytes_total{app="live",stream="a"}')).toBe(300);
    expect(metric(text, 'rtmp_server_stream_series_omitted')).toBe(1);
  });

  test('the stall gauge grows while a publishing stream receives nothing and drops to 0 when media flows', async () => {
    let now = 1_000_000;
    let bytes = 10;
    const register = new Registry();
    registerStreamMetrics(register, { streams: () => [stream('a', { recvBytes: bytes }), stream('idle', { publishing: false })], cap: () => 5, now: () => now });
    const stall = async () => metric(await register.metrics(), 'rtmp_server_publish_stall_seconds_max');
    expect(await stall()).toBe(0);
    now += 15_000;
    expect(await stall()).toBe(15);
    now += 20_000;
    expect(await stall()).toBe(35);
    bytes += 500;
    now += 15_000;
    expect(await stall()).toBe(0);
  });
});
