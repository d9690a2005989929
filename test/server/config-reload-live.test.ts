// A ConfigMap update (kubelet-style ..data swap) on the real server: auth.publishSecret changes without
// dropping the running stream; an invalid update is refused and the server keeps running on the old config.
import { publish } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, play, until } from './api-players';
import { ConfigMapDir } from './config-configmap';

const logEvents = (server: RunningServer) =>
  server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe('config reload on a running server', () => {
  test('publishSecret rotates live; the running stream and its player continue; bad updates are refused', async () => {
    const cm = new ConfigMapDir('auth:\n  publishSecret: one\nhls:\n  enabled: false\n');
    const server = await startServer({ args: ['--config', cm.file] });
    const running = publish(`${server.rtmpUrl('live', 'cam')}?secret=one`, 60);
    const player = play(server.rtmpUrl('live', 'cam'), 60);
    const extra: { stop(): Promise<void> }[] = [];
    try {
      await until(() => player.frames() > 0);
      const publishes = () => getJson(server.apiUrl('/api/v1/streams'))
        .then((b) => (b.streams as any[]).filter((s) => s.publish.active).map((s) => s.name).sort());

      cm.update('auth:\n  publishSecret: two\nhls:\n  enabled: false\nrtmp:\n  chunkSize: 4096\n');
      const reloaded = await until(() => logEvents(server).find((e) => e.event === 'config-reloaded'), 50);
      expect(reloaded.changed).toEqual(['rtmp.chunkSize', 'auth.publishSecret']);
      expect(reloaded.needRestart).toEqual(['rtmp.chunkSize']);

      const old = publish(`${server.rtmpUrl('live', 'old')}?secret=one`, 10);
      const fresh = publish(`${server.rtmpUrl('live', 'fresh')}?secret=two`, 30);
      extra.push(old, fresh);
      expect(await old.exited).not.toBe(0); // the old secret is refused now
      await until(async () => (await publishes()).includes('fresh'));
      expect(await publishes()).toEqual(['cam', 'fresh']); // the stream published with the old secret still runs
      const before = player.frames();
      await until(() => player.frames() > before + 25);
      expect(running.proc.exitCode).toBeNull();

      cm.update('auth:\n  publishSecret: three\nrtmp:\n  chunkSize: 1\n');
      const rejected = await until(() => logEvents(server).find((e) => e.event === 'config-reload-rejected'), 50);
      expect(rejected.problems[0]).toMatch(/^rtmp.chunkSize must be >= 128 \(got 1\)/);
      expect((await fetch(server.apiUrl('/healthz'))).status).toBe(200);
      const stillTwo = publish(`${server.rtmpUrl('live', 'again')}?secret=two`, 30);
      extra.push(stillTwo);
      await until(async () => (await publishes()).includes('again'));
    } finally {
      for (const p of [...extra, player, running]) await p.stop();
      await server.stop('SIGKILL');
    }
  });
});
