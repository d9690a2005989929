/**
 * A relay target that accepts the publish and then stops reading (a stuck server): its push's queue is the
 * bounded player queue, so it drops to keyframes and is closed after play.slowPlayerCloseSeconds, then retried.
 * The publisher and the push to a healthy server keep flowing all along. The publish runs at 40x real time
 * (~20 Mbit/s) so the kernel buffers of the stuck connection fill within a second or two.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import type { AmfObject } from '../../images/rtmp-server/src/protocol/rtmp/amf0';
import { RtmpConnection } from '../../images/rtmp-server/src/protocol/rtmp/connection';
import { countFrames } from '../helpers/media';
import { events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';
import { isPublishing, testFlv, waitUntil } from './cluster-support';

/** Accepts RTMP publishes, answers the command dialog, then never reads again. */
async function stuckTarget(): Promise<{ server: net.Server; address: string; accepted: () => number }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    const conn = new RtmpConnection(socket, { role: 'server', maxMessageSize: 8 << 20 });
    conn.onCommand = (c) => {
      if (c.name === 'connect') {
        conn.sendCommand(0, '_result', c.transId, { fmsVer: 'FMS/3,0,1,123' }, { level: 'status', code: 'NetConnection.Connect.Success' } as AmfObject);
      } else if (c.name === 'createStream') {
        conn.sendCommand(0, '_result', c.transId, null, 1);
      } else if (c.name === 'publish') {
        conn.sendCommand(1, 'onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start' });
        conn.established();
        accepted++;
        socket.pause();
      }
    };
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, accepted: () => accepted };
}

let relay: RunningServer;
let healthy: RunningServer;

afterAll(async () => {
  for (const s of [relay, healthy]) await s?.stop('SIGKILL');
});

test('a stuck target drops, is closed and retried; the publisher and the healthy push keep flowing', async () => {
  const stuck = await stuckTarget();
  healthy = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
  relay = await startServer({
    args: ['--mode', 'relay', '--relay-targets', `${stuck.address},127.0.0.1:${healthy.rtmpPort}`],
    configYaml: 'play:\n  maxQueueBytes: 65536\n  slowPlayerCloseSeconds: 2\n  mergeWriteMs: 100\nhls:\n  enabled: false\n',
  });
  const pub = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-readrate', '40', '-stream_loop', '-1', '-i', await testFlv(),
    '-t', '600', '-c', 'copy', '-f', 'flv', relay.rtmpUrl('live', 'flood')], { stdio: 'ignore' });
  try {
    await waitForEvent(relay, 'relay-push-ended', { target: stuck.address }, 1, 30000);
    const ended = events(relay, 'relay-push-ended', { target: stuck.address })[0];
    expect(ended.reason).toMatch(/slow player/);
    await waitUntil('the stuck target is tried again', () => stuck.accepted() >= 2, 15000);
    expect(pub.exitCode).toBeNull();
    expect(await isPublishing(healthy, 'flood')).toBe(true);
    expect(await countFrames(healthy.rtmpUrl('live', 'flood'), 2)).toBeGreaterThan(0);
    expect(events(relay, 'crash')).toEqual([]);
  } finally {
    pub.kill('SIGKILL');
    stuck.server.close();
  }
});
