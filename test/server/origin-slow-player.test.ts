/**
 * A player that stops reading: its backlog passes play.maxQueueBytes, it drops frames to the next keyframe
 * (counted), and after play.slowPlayerCloseSeconds of dropping it is closed; /metrics counts both. A normal
 * player of the same stream keeps up meanwhile.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { RtmpClient } from '../../images/rtmp-server/src/protocol/rtmp/client';
import { makeFlv } from '../helpers/media';
import { RawRtmp } from '../helpers/rtmp-raw';
import { eventually, events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    configYaml: 'play:\n  maxQueueBytes: 65536\n  slowPlayerCloseSeconds: 2\n  mergeWriteMs: 100\nhls:\n  enabled: false\n',
  });
});
afterAll(async () => { await server?.stop(); });

function metric(text: string, name: string): number {
  const m = new RegExp(`^\\w*${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

test('a player that stops reading drops frames, is closed, and is counted; others keep playing', async () => {
  const flv = await makeFlv(path.join(server.workDir, '..', `slow-${process.pid}.flv`), 4);
  // 40x real time (~20 Mbit/s): kernel socket buffers fill in about a second.
  const pub = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-readrate', '40', '-stream_loop', '-1', '-i', flv,
    '-t', '1200', '-c', 'copy', '-f', 'flv', server.rtmpUrl('live', 'flood')], { stdio: 'ignore' });
  try {
    await waitForEvent(server, 'publish', { stream: 'flood' });
    const slow = await RawRtmp.open(server.rtmpPort);
    await slow.connect('live');
    slow.sendCommand('createStream', 2, null);
    slow.sendCommand('play', 3, null, 'flood');
    await slow.waitFor((b) => b.includes('NetStream.Play.Start'));
    slow.socket.pause(); // stops reading: only the kernel buffers take data now

    const healthy = new RtmpClient({ host: '127.0.0.1', port: server.rtmpPort, app: 'live', stream: 'flood' });
    const seen = { video: 0, closed: '' };
    healthy.onMessage = (m) => { if (m.type === 9) seen.video++; };
    healthy.onClose = (r) => { seen.closed = r; };
    await healthy.start('play');
    await waitForEvent(server, 'close', { stream: 'flood', reason: 'slow player: dropping too long' }, 1, 30000);
    slow.socket.resume(); // reading again, it finds the connection gone
    expect(await slow.closedWithin(5000)).toBe(true);
    const before = seen.video;
    expect(await eventually(() => seen.video > before + 100, 10000)).toBe(true);
    expect(seen.closed).toBe('');
    healthy.close();

    const text = await (await fetch(server.apiUrl('/metrics'))).text();
    expect(metric(text, 'dropped_frames_total')).toBeGreaterThan(0);
    expect(metric(text, 'slow_players_closed_total')).toBe(1);
    expect(events(server, 'crash')).toEqual([]);
  } finally {
    pub.kill('SIGKILL');
  }
});
