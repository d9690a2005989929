/**
 * The RTMP client (edge pulls, forwards, relay pushes) against the real server: publish a recorded FLV with
 * RtmpClient and play it back with ffprobe; play with RtmpClient and see ffmpeg's media; refusals reject.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRtmpUrl, RtmpClient } from '../../images/rtmp-server/src/protocol/rtmp/client';
import { readFlvTags } from '../helpers/flv-file';
import { makeFlv, probe, publish } from '../helpers/media';
import { waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

let server: RunningServer;
let work: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-client-'));
  server = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('parseRtmpUrl', () => {
  expect(parseRtmpUrl('rtmp://h.example:1936/live/cam?token=x')).toEqual({ host: 'h.example', port: 1936, app: 'live', stream: 'cam', query: 'token=x' });
  expect(parseRtmpUrl('rtmp://h/live/cam')).toMatchObject({ port: 1935, query: '' });
  expect(() => parseRtmpUrl('http://h/live/cam')).toThrow(/rtmp/);
});

test('publish with RtmpClient, play with ffprobe', async () => {
  const tags = readFlvTags(await makeFlv(path.join(work, 'in.flv'), 6));
  const c = new RtmpClient({ ...parseRtmpUrl(server.rtmpUrl('live', 'byclient')) });
  await c.start('publish');
  // Real-time pacing so the GOP cache holds what a joining player needs; bounded by the 6 s file.
  const t0 = Date.now();
  const feeding = (async () => {
    for (const t of tags) {
      const wait = t.timestamp - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      c.send(t);
    }
  })();
  await waitForEvent(server, 'publish', { stream: 'byclient', agent: 'rtmp-k8s' });
  const r = await probe(server.rtmpUrl('live', 'byclient'));
  expect(r.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  await feeding;
  c.close('done');
  await waitForEvent(server, 'close', { stream: 'byclient', role: 'publish' });
});

test('play with RtmpClient: metadata, sequence headers, then a keyframe first', async () => {
  const pub = publish(server.rtmpUrl('live', 'forclient'), 20);
  try {
    await waitForEvent(server, 'publish', { stream: 'forclient' });
    const c = new RtmpClient({ host: '127.0.0.1', port: server.rtmpPort, app: 'live', stream: 'forclient' });
    const got: { type: number; first: number }[] = [];
    c.onMessage = (m) => { if (got.length < 200) got.push({ type: m.type, first: m.payload[0] }); };
    await c.start('play');
    const deadline = Date.now() + 10000;
    while (got.filter((g) => g.type === 9).length < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    c.close();
    const video = got.filter((g) => g.type === 9);
    expect(got[0].type).toBe(18); // onMetaData
    expect(video[0].first).toBe(0x17); // AVC sequence header (keyframe + AVC)
    expect(video[1].first).toBe(0x17); // then a keyframe from the GOP cache
    expect(video.length).toBeGreaterThanOrEqual(30);
  } finally {
    await pub.stop();
  }
});

test('start() rejects when the server refuses or is not there', async () => {
  await expect(new RtmpClient({ host: '127.0.0.1', port: server.rtmpPort, app: 'live', stream: '../x' }).start('publish'))
    .rejects.toThrow(/BadName/);
  await expect(new RtmpClient({ host: '127.0.0.1', port: 9, app: 'live', stream: 'x', timeoutMs: 3000 }).start('play'))
    .rejects.toThrow(/ECONNREFUSED|socket error/);
});
