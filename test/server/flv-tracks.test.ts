// HTTP-FLV's file header announces the tracks the stream carries. With the audio+video flags on an audio-only
// stream, ffmpeg waited forever for video (and took ~14 s on a video-only one); players joined before the
// publish and after it must both get the right flags, and ffmpeg must start playing at once.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getJson, until } from './api-players';
import { publishTracks, TrackSet } from '../helpers/publish-tracks';
import { RunningServer, startServer } from '../helpers/server-process';

const execFileP = promisify(execFile);

/** The first 13 bytes of an HTTP-FLV response (FLV header + PreviousTagSize0), bounded by `timeoutMs`. */
async function flvHead(url: string, timeoutMs = 20_000): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let got = Buffer.alloc(0);
  while (got.length < 13) {
    const { value, done } = await reader.read();
    if (done) break;
    got = Buffer.concat([got, Buffer.from(value)]);
  }
  await reader.cancel();
  return got.subarray(0, 13);
}

/** ffmpeg plays 3 s of `url`; it must finish within `boundSec` (a player that waits for a missing track does not). */
async function ffmpegPlays(url: string, boundSec: number): Promise<string> {
  const { stderr } = await execFileP('ffmpeg', [
    '-hide_banner', '-nostats', '-rw_timeout', '10000000', '-i', url, '-t', '3', '-f', 'null', '-',
  ], { timeout: boundSec * 1000 });
  return stderr;
}

const FLAGS: Record<TrackSet, number> = { audio: 0x04, video: 0x01, both: 0x05 };

let server: RunningServer;
beforeAll(async () => { server = await startServer({ configYaml: 'hls:\n  enabled: false\n' }); });
afterAll(async () => { await server?.stop(); });

test.each(['audio', 'video', 'both'] as TrackSet[])('tracks %s: FLV header flags match the tracks; ffmpeg plays at once', async (tracks) => {
  const name = `tracks-${tracks}`;
  const url = server.httpUrl(`/live/${name}.flv`);
  const early = flvHead(url); // joins before the publisher exists
  await new Promise((r) => setTimeout(r, 300));
  const pub = publishTracks(server.rtmpUrl('live', name), tracks, 30);
  try {
    expect((await early).subarray(0, 4)).toEqual(Buffer.from([0x46, 0x4c, 0x56, 1]));
    expect((await early)[4]).toBe(FLAGS[tracks]);
    await until(async () => ((await getJson(server.apiUrl('/api/v1/streams'))).streams as any[])
      .some((s) => s.name === name && s.publish.active && s.frames + (s.audio ? 1 : 0) > 0));
    expect((await flvHead(url))[4]).toBe(FLAGS[tracks]); // joins the running stream
    const log = await ffmpegPlays(url, 12);
    expect(/Stream #0:\d+.*: Audio: aac/.test(log)).toBe(tracks !== 'video');
    expect(/Stream #0:\d+.*: Video: h264/.test(log)).toBe(tracks !== 'audio');
  } finally {
    await pub.stop();
  }
}, 90_000);
