/**
 * Interop with librtmp (the RTMP stack OBS's output and VLC descend from), not only ffmpeg's own: rtmpdump
 * plays a stream ffmpeg publishes, and what it saved decodes as H.264 + AAC.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countFrames, probe, publish } from '../helpers/media';
import { eventually, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

let server: RunningServer;

beforeAll(async () => { server = await startServer({ configYaml: 'hls:\n  enabled: false\n' }); });
afterAll(async () => { await server?.stop(); });

test('rtmpdump (librtmp) plays a live stream', async () => {
  const pub = publish(server.rtmpUrl('live', 'lib'), 20);
  try {
    await waitForEvent(server, 'publish', { stream: 'lib' });
    const out = path.join(server.workDir, '..', `librtmp-${process.pid}.flv`);
    // rtmpdump writes what it receives; stop it (by PID) once it has a few seconds of stream, bounded in time.
    const dump = spawn('rtmpdump', ['-q', '-r', server.rtmpUrl('live', 'lib'), '--live', '-o', out], { stdio: 'ignore' });
    const exited = new Promise((r) => dump.once('exit', r));
    const size = () => (fs.existsSync(out) ? fs.statSync(out).size : 0);
    const got = await eventually(() => size() > 150_000, 15000);
    dump.kill('SIGTERM');
    await exited;
    expect(got).toBe(true);
    await waitForEvent(server, 'play', { stream: 'lib' });
    const r = await probe(out);
    expect(r.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(await countFrames(out, 10)).toBeGreaterThan(20);
    fs.rmSync(out, { force: true });
  } finally {
    await pub.stop();
  }
});
