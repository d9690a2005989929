/**
 * Origin mode end to end on the real bundle: ffmpeg publishes over RTMP; ffprobe/ffmpeg play it back over
 * RTMP and HTTP-FLV; a joining player starts on a keyframe from the GOP cache.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { countFrames, probe, publish, Publisher } from '../helpers/media';
import { waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

const execFileP = promisify(execFile);

let server: RunningServer;
let pub: Publisher;

beforeAll(async () => {
  server = await startServer();
  pub = publish(server.rtmpUrl('live', 'livestream'), 40);
  await waitForEvent(server, 'publish', { app: 'live', stream: 'livestream' });
});
afterAll(async () => {
  await pub?.stop();
  await server?.stop();
});

/** The key_frame flags of the first `n` video frames a new player decodes. */
async function firstKeyFlags(url: string, n = 3): Promise<number[]> {
  const { stdout } = await execFileP('ffprobe', [
    '-hide_banner', '-loglevel', 'error', '-rw_timeout', '15000000', '-select_streams', 'v',
    '-show_frames', '-show_entries', 'frame=key_frame', '-read_intervals', `%+#${n}`, '-of', 'csv=p=0', url,
  ], { timeout: 25000 });
  return stdout.trim().split('\n').map(Number);
}

const expectAvc360pAac = (r: Awaited<ReturnType<typeof probe>>) => {
  const v = r.streams.find((s) => s.codec_type === 'video');
  const a = r.streams.find((s) => s.codec_type === 'audio');
  expect(v).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
  expect(a).toMatchObject({ codec_name: 'aac', sample_rate: '44100' });
};

test('RTMP play: h264 640x360 + aac, and frames arrive', async () => {
  expectAvc360pAac(await probe(server.rtmpUrl('live', 'livestream')));
  expect(await countFrames(server.rtmpUrl('live', 'livestream'), 2)).toBeGreaterThan(10);
});

test('HTTP-FLV play: h264 640x360 + aac, and frames arrive', async () => {
  const url = server.httpUrl('/live/livestream.flv');
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('video/x-flv');
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  await res.body?.cancel();
  expectAvc360pAac(await probe(url));
  expect(await countFrames(url, 2)).toBeGreaterThan(10);
});

test('a joining player starts on a keyframe (GOP cache), over RTMP and HTTP-FLV', async () => {
  // Join at arbitrary points inside the 1 s GOP: the first decoded frame is still a keyframe.
  for (const delay of [130, 470]) {
    await new Promise((r) => setTimeout(r, delay));
    expect((await firstKeyFlags(server.rtmpUrl('live', 'livestream')))[0]).toBe(1);
    expect((await firstKeyFlags(server.httpUrl('/live/livestream.flv')))[0]).toBe(1);
  }
});

test('unknown paths on the media port are 404; a non-GET on .flv is 405', async () => {
  expect((await fetch(server.httpUrl('/nope/nothing.xyz'))).status).toBe(404);
  expect((await fetch(server.httpUrl('/live/livestream.flv'), { method: 'POST' })).status).toBe(405);
});
