// The DemoPublisher's ffmpeg command line, taken from the synthesized dist chart and run as written with the local
// ffmpeg (only the Service host:port swapped for a local server's): the stream it publishes plays over RTMP and
// HTTP-FLV with H.264 video and AAC audio, and ffmpeg exits when the server goes away (so the pod restarts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { DemoPublisher, DemoSource } from '../../lib';
import { makeFlv, probe } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { find, synthApps } from '../constructs/support/synth';
import { play, until } from './api-players';

const objects = synthApps()['demo-publisher'];
const deployment = find(objects, 'Deployment', 'rtmp-demo-publisher');
const container = deployment.spec.template.spec.containers[0];
const args: string[] = container.args;

function runAsWritten(server: RunningServer, argv: string[] = args) {
  const url = argv[argv.length - 1];
  const local = url.replace(/^rtmp:\/\/[^/]+\//, `rtmp://127.0.0.1:${server.rtmpPort}/`);
  expect(local).not.toBe(url);
  const proc = spawn('ffmpeg', [...argv.slice(0, -1), local], { stdio: ['ignore', 'ignore', 'pipe'] });
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

  test('a file from a URL (DemoSource.fromUrl) is published in real time and looped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-clip-'));
    const clip = await makeFlv(path.join(dir, 'clip.flv'), 2);
    // A static file host with range requests (ffmpeg seeks back to the start through them to loop).
    const size = fs.statSync(clip).size;
    const files = http.createServer((req, res) => {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const end = m && m[2] ? Number(m[2]) : size - 1;
      res.writeHead(m ? 206 : 200, {
        'content-type': 'video/x-flv', 'accept-ranges': 'bytes', 'content-length': end - start + 1,
        ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      fs.createReadStream(clip, { start, end }).pipe(res);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const source = DemoSource.fromUrl(`http://127.0.0.1:${(files.address() as any).port}/clip.flv`);
    const argv = [...new DemoPublisher(Testing.chart(), 'D', { url: 'rtmp://demo-target:1935/live/clip', source }).args];
    const server = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
    const ff = runAsWritten(server, argv);
    const player = play(server.rtmpUrl('live', 'clip'), 30);
    try {
      // 5 s of video (125 frames) from a 2 s clip: it looped at least twice, without ffmpeg ending.
      await until(() => player.frames() > 125, 100, 200);
      expect(ff.proc.exitCode).toBeNull();
      const rtmp = await probe(server.rtmpUrl('live', 'clip'));
      expect(rtmp.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    } finally {
      await player.stop();
      await ff.stop();
      await server.stop('SIGKILL');
      files.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});
