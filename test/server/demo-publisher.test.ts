// The DemoPublisher's ffmpeg command line, taken from the synthesized dist chart and run as written with the local
// ffmpeg (only the Service host:port swapped for a local server's): the stream it publishes plays over RTMP and
// HTTP-FLV with H.264 video and AAC audio, and ffmpeg exits when the server goes away (so the pod restarts).
import { spawn } from 'node:child_process';
import { probe } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { find, synthApps } from '../constructs/support/synth';
import { play, until } from './api-players';

const objects = synthApps()['demo-publisher'];
const deployment = find(objects, 'Deployment', 'rtmp-demo-publisher');
const container = deployment.spec.template.spec.containers[0];
const args: string[] = container.args;

function runAsWritten(server: RunningServer) {
  const url = args[args.length - 1];
  const local = url.replace(/^rtmp:\/\/[^/]+\//, `rtmp://127.0.0.1:${server.rtmpPort}/`);
  expect(local).not.toBe(url);
  const proc = spawn('ffmpeg', [...args.slice(0, -1), local], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return {
    proc, exited, stderr: () => err,
    stop: async () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); await exited; },
  };
}

describe('DemoPublisher command line', () => {
  test('publishes to the SingleOrigin Service by its name and RTMP port; the entrypoint is the image\'s ffmpeg', () => {
    const svc = find(objects, 'Service', 'rtmp-service');
    const rtmp = svc.spec.ports.find((p: any) => p.targetPort === 1935);
    expect(args[args.length - 1]).toBe(`rtmp://rtmp-service:${rtmp.port}/live/livestream`);
    expect(container.command).toBeUndefined();
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(container.resources.limits).toBeDefined();
  });

  test('run as written, the stream plays over RTMP and HTTP-FLV; ffmpeg exits when the server dies', async () => {
    const server = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
    const ff = runAsWritten(server);
    const player = play(server.rtmpUrl(), 30);
    try {
      await until(() => player.frames() > 25, 100, 200);
      const rtmp = await probe(server.rtmpUrl());
      expect(rtmp.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(rtmp.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 360 });
      const flv = await probe(server.httpUrl('/live/livestream.flv'));
      expect(flv.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(ff.proc.exitCode).toBeNull();
      await server.stop('SIGKILL');
      const code = await Promise.race([ff.exited, new Promise((r) => setTimeout(() => r('still running'), 20000))]);
      expect(code).not.toBe('still running');
      expect(code).not.toBe(0);
    } finally {
      await player.stop();
      await ff.stop();
      await server.stop('SIGKILL');
    }
  }, 60000);
});
