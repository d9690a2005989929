// The server exactly as the image starts it (see image-sandbox.ts): Dockerfile ENTRYPOINT + CMD, USER 10001,
// read-only root, config at the CMD's path (mounted like a ConfigMap), HLS volume and /tmp the only writable places.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SERVER_CONFIG, SERVER_CONFIG_PATH } from '../../lib/server-config';
import { countFrames, probe, publish } from '../helpers/media';
import { freePort, waitForPort } from '../helpers/ports';
import { DOCKERFILE, ImageProcess, makeSandbox, parseDockerfile, runImage, runInSandbox, Sandbox } from './image-sandbox';

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, tries = 100, everyMs = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error('condition not reached');
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('image (Dockerfile final stage, run in bubblewrap)', () => {
  const spec = parseDockerfile();

  test('the Dockerfile matches the shared config model', () => {
    expect(spec.entrypoint).toEqual(['node', '/app/main.js']);
    expect(spec.cmd).toEqual(['--config', SERVER_CONFIG_PATH]);
    expect(spec.user.uid).toBeGreaterThan(0);
    const d = DEFAULT_SERVER_CONFIG;
    expect(spec.expose.sort()).toEqual([d.rtmp.port, d.api.port, d.http.port, d.rtmps.port, d.https.port].sort());
    expect(spec.volumes).toEqual(expect.arrayContaining([d.hls.dir, d.dvr.dir, '/tmp']));
    expect(spec.copies.map((c) => c.to)).toEqual(expect.arrayContaining(['/app/main.js', '/app/player']));
    const text = fs.readFileSync(DOCKERFILE, 'utf8').replace(/\\\n/g, ' ');
    expect(text).toMatch(/^FROM (--platform=\$BUILDPLATFORM )?node:20-bookworm-slim AS build$/m);
    expect(text).toMatch(/^FROM node:20-alpine$/m);
    expect(text).toMatch(new RegExp(`^HEALTHCHECK .*127\\.0\\.0\\.1:${DEFAULT_SERVER_CONFIG.api.port}/healthz`, 'm'));
  });

  describe('running', () => {
    let sb: Sandbox;
    let server: ImageProcess;
    let ports: { rtmp: number; http: number; api: number };
    const api = (p: string) => fetch(`http://127.0.0.1:${ports.api}${p}`);

    beforeAll(async () => {
      ports = { rtmp: await freePort(), http: await freePort(), api: await freePort() };
      // Ports from the OS (tests run side by side); everything else as the image defaults it.
      sb = makeSandbox([
        `rtmp:\n  port: ${ports.rtmp}`, `http:\n  port: ${ports.http}`, `api:\n  port: ${ports.api}`,
        'hls:\n  fragmentSeconds: 1\n  windowSeconds: 4', 'lifecycle:\n  readinessGraceSeconds: 2\n  drainSeconds: 5',
      ].join('\n') + '\n', spec);
      server = runImage(sb);
      await Promise.race([
        Promise.all([waitForPort(ports.rtmp, 20000), waitForPort(ports.http, 20000), waitForPort(ports.api, 20000)]),
        server.exited.then((c) => { throw new Error(`server exited (${c}):\n${server.output()}`); }),
      ]);
    });
    afterAll(() => {
      if (server?.proc.exitCode === null) server.proc.kill('SIGKILL');
    });

    test('runs as the image user with no capabilities, and is ready', async () => {
      const status = fs.readFileSync(`/proc/${server.serverPid()}/status`, 'utf8');
      expect(status).toMatch(new RegExp(`^Uid:\\s+${spec.user.uid}\\s+${spec.user.uid}\\s+${spec.user.uid}`, 'm'));
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      expect((await api('/readyz')).status).toBe(200);
      expect(server.output()).toContain('"event":"start"');
    });

    test('the HEALTHCHECK command passes', () => {
      const text = fs.readFileSync(DOCKERFILE, 'utf8').replace(/\\\n/g, ' ');
      const cmd = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(text)![1]) as string[];
      const local = cmd.map((a) => a.replace(`:${DEFAULT_SERVER_CONFIG.api.port}/`, `:${ports.api}/`));
      expect(runInSandbox(sb, local).code).toBe(0);
    });

    test('publish + RTMP play, HLS written only into the HLS volume, nothing written anywhere else', async () => {
      const pub = publish(`rtmp://127.0.0.1:${ports.rtmp}/live/livestream`, 30);
      try {
        const info = await probe(`rtmp://127.0.0.1:${ports.rtmp}/live/livestream`);
        const v = info.streams.find((s) => s.codec_type === 'video')!;
        expect([v.codec_name, v.width, v.height]).toEqual(['h264', 640, 360]);
        expect(info.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
        expect(await countFrames(`rtmp://127.0.0.1:${ports.rtmp}/live/livestream`, 2)).toBeGreaterThan(10);
        const files = await until(() => {
          const f = listFiles(sb.hlsDir);
          return f.includes('live/livestream.m3u8') && f.some((x) => x.endsWith('.ts')) ? f : undefined;
        });
        expect(files).toEqual(files.filter((f) => f.startsWith('live/'))); // the stream's files (+ the writer's marker)
        for (const f of files) expect(fs.statSync(path.join(sb.hlsDir, f)).uid).toBe(spec.user.uid);
        // The container's /tmp, seen from outside: the server never needed it.
        expect(fs.readdirSync(`/proc/${server.serverPid()}/root/tmp`)).toEqual([]);
      } finally {
        await pub.stop();
      }
      expect(server.output()).not.toMatch(/EROFS|EACCES|read-only file system/i);
    });

    test('writing outside the volumes fails in this filesystem (the server never tries)', () => {
      const tryWrite = 'for (const p of process.argv.slice(1)) { try { require("fs").writeFileSync(p, "x"); console.log("WROTE " + p); }'
        + ' catch (e) { console.log(e.code + " " + p); } }';
      const r = runInSandbox(sb, ['node', '-e', tryWrite, '/app/x', '/etc/rtmp-server/x', '/x', '/var/lib/rtmp-server/x', '/usr/x']);
      expect(r.stdout).not.toContain('WROTE');
      expect(r.stdout.trim().split('\n')).toHaveLength(5);
      expect(r.stdout).toMatch(/^EROFS \/app\/x$/m);
    });

    test('SIGTERM to the entrypoint process (docker stop): readiness 503 at once, then exit 0', async () => {
      process.kill(server.serverPid(), 'SIGTERM');
      // The signal is handled on a later event-loop turn: poll (bounded), then check we are still in the grace.
      let status = 0;
      for (let i = 0; i < 40 && status !== 503; i++) {
        status = (await api('/readyz')).status;
        if (status !== 503) await new Promise((r) => setTimeout(r, 25));
      }
      expect(status).toBe(503);
      expect(server.output()).not.toContain('"event":"drain-start"');
      expect(await server.exited).toBe(0);
      expect(server.output()).toMatch(/"event":"exit"/);
    });
  });
});
