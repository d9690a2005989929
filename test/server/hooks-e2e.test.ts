/**
 * HTTP callbacks (SRS http_hooks) on the real bundle, with a real HTTP backend (hooks-backend.ts), ffmpeg
 * publishers and ffmpeg/ffprobe players: allow/deny by stream key, nothing written for a denied publish, SRS's
 * body fields with their values, on_hls per segment, timeouts under both failOpen settings, a backend that
 * answers garbage or megabytes, a backend that is down (notifications dropped and counted), and /metrics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countFrames } from '../helpers/media';
import { events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';
import { freePort } from '../helpers/ports';
import { isPublishing, LoopPublisher, publishLoop, waitUntil } from './cluster-support';
import { HookBackend, hooksYaml } from './hooks-backend';
import { RawRtmp } from '../helpers/rtmp-raw';
import { ConfigMapDir } from './config-configmap';

let backend: HookBackend;
let server: RunningServer;
const running: LoopPublisher[] = [];

async function refused(url: string): Promise<LoopPublisher> {
  const p = await publishLoop(url, 10);
  running.push(p);
  await waitUntil('ffmpeg gives up', () => !p.running(), 15000);
  return p;
}

async function metric(s: RunningServer, line: RegExp): Promise<number> {
  const text = await (await fetch(s.apiUrl('/metrics'))).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : 0;
}

beforeAll(async () => {
  backend = await new HookBackend().start();
  server = await startServer({
    configYaml: hooksYaml(backend, {
      onConnect: '/connect', onPublish: '/key', onUnpublish: '/unpublish', onPlay: '/key0', onStop: '/stop', onHls: '/hls',
    }) + 'hls:\n  fragmentSeconds: 1\n  windowSeconds: 4\n',
  });
});

afterAll(async () => {
  for (const p of running) await p.stop();
  await server?.stop();
  await backend?.stop();
});

test('a publish with an allowed key plays over RTMP and HTTP-FLV; the hooks get SRS bodies with the right values', async () => {
  const pub = await publishLoop(server.rtmpUrl('live', 'cam1?key=good&x=1'), 40);
  running.push(pub);
  await waitUntil('cam1 publishing', () => isPublishing(server, 'cam1'), 20000);
  expect(await countFrames(server.rtmpUrl('live', 'cam1?key=good'), 1)).toBeGreaterThan(5);
  expect(await countFrames(server.httpUrl('/live/cam1.flv?key=good&player=flv'), 1)).toBeGreaterThan(5);

  const [pubCall] = backend.callsTo('/key', { action: 'on_publish', stream: 'cam1' });
  expect(pubCall.body).toMatchObject({
    action: 'on_publish', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', stream: 'cam1',
    param: '?key=good&x=1', tcUrl: `rtmp://127.0.0.1:${server.rtmpPort}/live`, stream_url: '/live/cam1',
  });
  expect(pubCall.body.client_id).toMatch(/^[0-9a-f]{8}$/);
  expect(typeof pubCall.body.server_id).toBe('string');
  // on_connect came first, from the same client, with no stream yet.
  const [conn] = backend.callsTo('/connect', { client_id: pubCall.body.client_id });
  expect(conn.body).toMatchObject({ action: 'on_connect', app: 'live', stream: '' });

  const plays = backend.callsTo('/key0', { action: 'on_play', stream: 'cam1' });
  expect(plays.map((c) => c.body.param).sort()).toEqual(['?key=good', '?key=good&player=flv']);
  expect(plays.find((c) => c.body.param === '?key=good&player=flv')!.body.tcUrl).toBe(`http://127.0.0.1:${server.httpPort}/live`);
  // The players left: on_stop for each, with the client ids on_play had; stream_id names the hub's stream.
  await waitUntil('two on_stop', () => backend.callsTo('/stop', { stream: 'cam1' }).length === 2, 10000);
  expect(backend.callsTo('/stop', { stream: 'cam1' }).map((c) => c.body.client_id).sort())
    .toEqual(plays.map((c) => c.body.client_id).sort());
  expect(backend.callsTo('/stop', { stream: 'cam1' })[0].body.stream_id).not.toBe('');

  // on_hls: one per segment, increasing seq_no, the file under hls.dir, URL relative to the HTTP root.
  await waitUntil('3 on_hls', () => backend.callsTo('/hls', { stream: 'cam1' }).length >= 3, 20000);
  const hls = backend.callsTo('/hls', { stream: 'cam1' });
  const seqs = hls.map((c) => c.body.seq_no as number);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  for (const c of hls) {
    expect(c.body).toMatchObject({ action: 'on_hls', app: 'live', stream: 'cam1', param: '?key=good&x=1',
      client_id: pubCall.body.client_id, url: `live/cam1-${c.body.seq_no}.ts`, m3u8_url: 'live/cam1.m3u8' });
    expect(c.body.file).toBe(path.join(fs.realpathSync(server.hlsDir), 'live', `cam1-${c.body.seq_no}.ts`));
    expect(c.body.duration).toBeGreaterThan(0.5);
    expect(c.body.duration).toBeLessThan(3);
  }
  // A segment the hook named is served (it may have left the window by now: check the newest).
  const newest = hls[hls.length - 1];
  expect((await fetch(server.httpUrl(`/${newest.body.url}`))).status).toBe(200);

  await pub.stop();
  await waitUntil('on_unpublish', () => backend.callsTo('/unpublish', { stream: 'cam1' }).length === 1, 10000);
  expect(backend.callsTo('/unpublish', { stream: 'cam1' })[0].body).toMatchObject({
    action: 'on_unpublish', client_id: pubCall.body.client_id, param: '?key=good&x=1', app: 'live',
  });
});

test('a denied key is refused and writes nothing; denied players get nothing', async () => {
  await refused(server.rtmpUrl('live', 'cam2?key=bad'));
  await refused(server.rtmpUrl('live', 'cam2'));
  await waitForEvent(server, 'reject', { stream: 'cam2' }, 2);
  expect(events(server, 'reject', { stream: 'cam2' })[0].reason).toMatch(/on_publish denied: code 403/);
  expect(events(server, 'publish', { stream: 'cam2' })).toEqual([]);
  expect(await isPublishing(server, 'cam2')).toBe(false);
  const liveDir = path.join(server.hlsDir, 'live');
  expect((fs.existsSync(liveDir) ? fs.readdirSync(liveDir) : []).filter((f) => f.startsWith('cam2'))).toEqual([]);
  expect(backend.callsTo('/unpublish', { stream: 'cam2' })).toEqual([]); // nothing started, nothing ended

  const pub = await publishLoop(server.rtmpUrl('live', 'cam3?key=good'), 30);
  running.push(pub);
  await waitUntil('cam3 publishing', () => isPublishing(server, 'cam3'), 20000);
  await expect(countFrames(server.rtmpUrl('live', 'cam3?key=bad'), 1, 5)).rejects.toThrow();
  expect((await fetch(server.httpUrl('/live/cam3.flv?key=bad'))).status).toBe(403);
  expect(await countFrames(server.rtmpUrl('live', 'cam3?key=good'), 1)).toBeGreaterThan(5);
  await pub.stop();
});

test('/metrics counts calls by event and result, with their latency', async () => {
  expect(await metric(server, /^rtmp_server_hook_calls_total\{event="onPublish",result="allowed"\}/)).toBeGreaterThanOrEqual(2);
  expect(await metric(server, /^rtmp_server_hook_calls_total\{event="onPublish",result="denied"\}/)).toBeGreaterThanOrEqual(2);
  expect(await metric(server, /^rtmp_server_hook_calls_total\{event="onPlay",result="denied"\}/)).toBeGreaterThanOrEqual(2);
  expect(await metric(server, /^rtmp_server_hook_calls_total\{event="onHls",result="ok"\}/)).toBeGreaterThanOrEqual(3);
  expect(await metric(server, /^rtmp_server_hook_duration_seconds_count\{event="onPublish"\}/)).toBeGreaterThanOrEqual(4);
});

describe('a backend that does not answer, answers garbage, or is down', () => {
  let closedOpen: RunningServer;
  let closedShut: RunningServer;
  let bad: RunningServer;
  beforeAll(async () => {
    const slow = hooksYaml(backend, { onPublish: '/slow' }, { timeoutMs: 500 });
    [closedShut, closedOpen] = await Promise.all([
      startServer({ configYaml: `${slow}hls:\n  enabled: false\n` }),
      startServer({ configYaml: `${slow}  failOpen: true\nhls:\n  enabled: false\n` }),
    ]);
    bad = await startServer({
      configYaml: `hooks:\n  onPublish: ["${backend.url('/huge')}"]\n  onPlay: ["${backend.url('/error')}"]\n` +
        '  failOpen: true\nhls:\n  enabled: false\n',
    });
  });
  afterAll(async () => {
    for (const s of [closedOpen, closedShut, bad]) await s?.stop();
  });

  test('a hook that times out denies with failOpen false and allows with failOpen true', async () => {
    await refused(closedShut.rtmpUrl('live', 't1?key=good'));
    const [rej] = await waitForEvent(closedShut, 'reject', { stream: 't1' });
    expect(rej.reason).toMatch(/on_publish hook unreachable: no answer within 500 ms/);
    expect(await metric(closedShut, /^rtmp_server_hook_calls_total\{event="onPublish",result="failed"\}/)).toBe(1);

    const pub = await publishLoop(closedOpen.rtmpUrl('live', 't2'), 20);
    running.push(pub);
    await waitUntil('t2 publishing despite the silent hook', () => isPublishing(closedOpen, 't2'), 20000);
    expect(await countFrames(closedOpen.rtmpUrl('live', 't2'), 1)).toBeGreaterThan(5);
    expect(events(closedOpen, 'hook-failed', { hook: 'onPublish' }).length).toBe(1);
    await pub.stop();
  });

  test('2 MiB of garbage or an HTTP 500 is a bounded denial (even with failOpen), and the server stays small', async () => {
    await refused(bad.rtmpUrl('live', 'g1'));
    const [rej] = await waitForEvent(bad, 'reject', { stream: 'g1' });
    expect(rej.reason).toMatch(/on_publish denied: body is neither 0 nor JSON/);
    expect(backend.callsTo('/huge').length).toBeGreaterThanOrEqual(1);
    // The server is fine: its API answers and HTTP-FLV plays are refused with the 500's denial.
    expect((await fetch(bad.httpUrl('/live/g1.flv'))).status).toBe(403);
    expect(events(bad, 'reject', { stream: 'g1' }).map((e) => e.reason)).toContainEqual(expect.stringMatching(/on_play denied: HTTP 500/));
    // RSS stayed small: the 2 MiB answer was not kept.
    const rss = Number((await (await fetch(bad.apiUrl('/api/v1/summaries'))).json()).data.self.mem_kbyte);
    expect(rss).toBeLessThan(200 * 1024);
  });

  test('notifications to a backend that hangs never delay media: players and HLS keep full pace', async () => {
    const s = await startServer({
      configYaml: `${hooksYaml(backend, { onHls: '/slow', onStop: '/slow', onUnpublish: '/slow' }, { timeoutMs: 2000, retries: 1 })}` +
        'hls:\n  fragmentSeconds: 1\n  windowSeconds: 4\n',
    });
    try {
      const pub = await publishLoop(s.rtmpUrl('live', 'h1'), 30);
      running.push(pub);
      await waitUntil('h1 publishing', () => isPublishing(s, 'h1'), 20000);
      // Each on_hls waits 2 s per attempt on the silent backend, while segments come every second.
      await waitUntil('segments written', async () => (await metric(s, /^rtmp_server_hls_segments_written_total /)) >= 3, 20000);
      const segmentsBefore = await metric(s, /^rtmp_server_hls_segments_written_total /);
      expect(await countFrames(s.rtmpUrl('live', 'h1'), 4)).toBeGreaterThan(85); // 4 s at 25 fps, less start-up
      expect(await metric(s, /^rtmp_server_hls_segments_written_total /)).toBeGreaterThanOrEqual(segmentsBefore + 3);
      expect(backend.callsTo('/slow', { action: 'on_hls', stream: 'h1' }).length).toBeGreaterThanOrEqual(3);
      await pub.stop();
    } finally {
      await s.stop('SIGKILL');
    }
  });

  test('notifications to a backend that is down are retried, then dropped and counted', async () => {
    const down = `http://127.0.0.1:${await freePort()}/down`;
    const s = await startServer({ configYaml: `hooks:\n  onUnpublish: ["${down}"]\n  retries: 2\n  backoffMs: 50\nhls:\n  enabled: false\n` });
    try {
      const pub = await publishLoop(s.rtmpUrl('live', 'n1'), 20);
      running.push(pub);
      await waitUntil('n1 publishing', () => isPublishing(s, 'n1'), 20000);
      await pub.stop();
      await waitForEvent(s, 'hook-dropped', { hook: 'onUnpublish' });
      expect(await metric(s, /^rtmp_server_hook_calls_total\{event="onUnpublish",result="retry"\}/)).toBe(2);
      expect(await metric(s, /^rtmp_server_hook_calls_total\{event="onUnpublish",result="dropped"\}/)).toBe(1);
      expect(await metric(s, /^rtmp_server_hook_notifications_dropped_total\{event="onUnpublish"\}/)).toBe(1);
    } finally {
      await s.stop();
    }
  });
});

describe('the connect gate', () => {
  let slowConnect: RunningServer;
  beforeAll(async () => {
    slowConnect = await startServer({ configYaml: `${hooksYaml(backend, { onConnect: '/delay' })}hls:\n  enabled: false\n` });
  });
  afterAll(async () => { await slowConnect?.stop(); });

  test('commands a client pipelines while on_connect is asked are kept and answered after it allows', async () => {
    const raw = await RawRtmp.open(slowConnect.rtmpPort);
    try {
      await raw.connect('live');
      raw.sendCommand('createStream', 2, null);
      raw.sendCommand('play', 3, null, 'nothing-yet');
      await raw.waitFor((b) => b.toString('latin1').includes('NetStream.Play.Start'), 5000);
      expect(raw.text()).toContain('NetConnection.Connect.Success');
    } finally {
      raw.destroy();
    }
  });

  test('a denied connect gets NetConnection.Connect.Rejected and is closed', async () => {
    const denying = await startServer({ configYaml: `${hooksYaml(backend, { onConnect: '/error' })}hls:\n  enabled: false\n` });
    try {
      const r = await RawRtmp.open(denying.rtmpPort);
      await r.connect('live');
      await r.waitFor((b) => b.toString('latin1').includes('NetConnection.Connect.Rejected'), 5000);
      expect(await r.closedWithin(3000)).toBe(true);
      expect((await waitForEvent(denying, 'reject'))[0].reason).toBe('on_connect denied: HTTP 500');
    } finally {
      await denying.stop();
    }
  });
});

test('hooks reload with the ConfigMap: the next publish asks the new URL; a bad URL is refused and the old one stays', async () => {
  const cm = new ConfigMapDir(`${hooksYaml(backend, { onPublish: '/key' })}hls:\n  enabled: false\n`);
  const s = await startServer({ args: ['--config', cm.file] });
  try {
    const first = await publishLoop(s.rtmpUrl('live', 'rl1?key=good'), 20);
    running.push(first);
    await waitUntil('rl1 publishing', () => isPublishing(s, 'rl1'), 20000);
    await first.stop();

    cm.update(`${hooksYaml(backend, { onPublish: '/error' })}hls:\n  enabled: false\n`);
    const [reloaded] = await waitForEvent(s, 'config-reloaded');
    expect(reloaded.changed).toEqual(['hooks.onPublish']);
    await refused(s.rtmpUrl('live', 'rl2?key=good'));
    expect((await waitForEvent(s, 'reject', { stream: 'rl2' }))[0].reason).toBe('on_publish denied: HTTP 500');

    cm.update('hooks:\n  onPublish: ["ftp://backend/x"]\nhls:\n  enabled: false\n');
    const [rejected] = await waitForEvent(s, 'config-reload-rejected');
    expect(rejected.problems[0]).toMatch(/^hooks\.onPublish\[0\] must use http:\/\/ or https:\/\//);
    await refused(s.rtmpUrl('live', 'rl3?key=good'));
    expect((await waitForEvent(s, 'reject', { stream: 'rl3' }))[0].reason).toBe('on_publish denied: HTTP 500');
  } finally {
    await s.stop();
  }
});
