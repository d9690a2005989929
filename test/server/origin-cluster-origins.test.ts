/**
 * Origin cluster, origins only, on the real bundle: 3 origins that find each other through one name (the
 * resolve-file seam standing in for the headless Service). A stream published to one origin is reported by
 * that origin's /api/v1/clusters and by no other; its HLS playlist and segments play through the other two
 * origins' HTTP ports (proxied to the holder).
 */
import { probe } from '../helpers/media';
import type { RunningServer } from '../helpers/server-process';
import { getJson, LoopPublisher, publishLoop, ResolveFile, startOrigins, waitUntil } from './cluster-support';

const names = new ResolveFile();
const origins: RunningServer[] = [];
let pub: LoopPublisher;

beforeAll(async () => {
  origins.push(...await startOrigins(names, 3));
  pub = await publishLoop(origins[0].rtmpUrl('live', 'held'), 40);
});

afterAll(async () => {
  await pub?.stop();
  for (const o of origins) await o?.stop('SIGKILL');
});

const clusters = (o: RunningServer, stream: string) =>
  getJson(o.apiUrl(`/api/v1/clusters?vhost=__defaultVhost__&ip=&app=live&stream=${stream}&coworker=127.0.0.1:${o.apiPort}`));

test('only the holder answers code 0, with its RTMP and HTTP ports', async () => {
  await waitUntil('origin 0 holds the stream', async () => (await clusters(origins[0], 'held')).code === 0);
  const yes = await clusters(origins[0], 'held');
  expect(yes.data.origin).toMatchObject({ port: origins[0].rtmpPort, http_port: origins[0].httpPort, api: `127.0.0.1:${origins[0].apiPort}` });
  expect((await clusters(origins[1], 'held')).code).not.toBe(0);
  expect((await clusters(origins[2], 'held')).code).not.toBe(0);
  expect((await clusters(origins[0], 'absent')).code).not.toBe(0);
});

test('HLS of the stream plays through every origin, whichever holds it', async () => {
  await waitUntil('the holder wrote its playlist', async () => (await fetch(origins[0].httpUrl('/live/held.m3u8'))).status === 200, 20000);
  for (const o of origins.slice(1)) {
    const r = await probe(o.httpUrl('/live/held.m3u8'), 15);
    expect(r.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  }
  const missing = await fetch(origins[1].httpUrl('/live/nobody.m3u8'));
  expect(missing.status).toBe(404);
  // A request that was proxied once is answered locally (404 here), never bounced on: no proxy loops.
  const again = await fetch(origins[1].httpUrl('/live/held.m3u8'), { headers: { 'x-rtmp-server-proxied': '1' } });
  expect(again.status).toBe(404);
  const head = await fetch(origins[2].httpUrl('/live/held.m3u8'), { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
});
