// SIGTERM on the real server with real sessions: readiness 503 at once, still accepting during the grace,
// refusing after it, running players keep receiving during the drain, exit 0.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers/ports';
import { SERVER_ENTRY } from '../helpers/server-process';
import { publish } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { play, until } from './api-players';

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function exitOf(server: RunningServer): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null) resolve(server.proc.exitCode);
    else server.proc.once('exit', (code) => resolve(code));
  });
}

const events = (server: RunningServer) =>
  server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).event as string);

type Live = { server: RunningServer; pub: ReturnType<typeof publish>; player: ReturnType<typeof play>; exited: Promise<number | null> };

/** A server with one publisher and one RTMP player receiving; everything is stopped (by PID) afterwards. */
async function withLiveServer(lifecycle: string, body: (live: Live) => Promise<void>): Promise<void> {
  const server = await startServer({ configYaml: `lifecycle:\n${lifecycle}\nhls:\n  enabled: false\n` });
  const pub = publish(server.rtmpUrl(), 60);
  const player = play(server.rtmpUrl(), 60);
  try {
    await until(() => player.frames() > 0);
    await body({ server, pub, player, exited: exitOf(server) });
  } finally {
    await player.stop();
    await pub.stop();
    await server.stop('SIGKILL');
  }
}

describe('graceful shutdown', () => {
  test('SIGTERM: 503 at once, accepting during the grace, refused after it, the player keeps receiving, exit 0', async () => {
    await withLiveServer('  readinessGraceSeconds: 3\n  drainSeconds: 60', async ({ server, pub, player, exited }) => {
      server.proc.kill('SIGTERM');
      // The signal is handled on a later event-loop turn: poll (bounded) for the 503.
      await until(async () => (await fetch(server.apiUrl('/readyz'))).status === 503, 40, 25);
      expect(await connects(server.rtmpPort)).toBe(true); // still inside the 3 s grace
      expect(events(server)).not.toContain('drain-start');
      await until(() => events(server).includes('drain-start'), 50);
      expect(await connects(server.rtmpPort)).toBe(false);
      expect(await connects(server.httpPort)).toBe(false);
      expect((await fetch(server.apiUrl('/healthz'))).status).toBe(200); // the API stays up while draining
      const atDrain = player.frames();
      await until(() => player.frames() > atDrain + 25); // a second of video delivered during the drain
      expect(server.proc.exitCode).toBeNull();
      await pub.stop();
      await player.stop();
      expect(await exited).toBe(0);
      const ev = events(server);
      expect(ev[ev.length - 1]).toBe('exit');
      expect(ev.indexOf('drain-start')).toBeLessThan(ev.indexOf('drain-end'));
    });
  });

  test('drainSeconds over: remaining sessions are closed cleanly (the player ends), exit 0', async () => {
    await withLiveServer('  readinessGraceSeconds: 0\n  drainSeconds: 1', async ({ server, player, exited }) => {
      server.proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await player.exited).not.toBeNull(); // closed, not left hanging
      const end = server.output().split('\n').find((l) => l.includes('"event":"drain-end"'))!;
      expect(JSON.parse(end).remaining).toBeGreaterThan(0);
    });
  });

  test('a second signal exits at once (still 0)', async () => {
    await withLiveServer('  readinessGraceSeconds: 1\n  drainSeconds: 600', async ({ server, exited }) => {
      server.proc.kill('SIGTERM');
      await until(() => events(server).includes('drain-start'), 50);
      server.proc.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(events(server)).toContain('shutdown-forced');
      expect(events(server)).not.toContain('drain-end');
    });
  });

  test('GET /prestop (the constructs\' preStop hook): 503 while it waits the grace, 200, then SIGTERM skips the spent grace', async () => {
    const server = await startServer({ configYaml: 'lifecycle:\n  readinessGraceSeconds: 1\n  drainSeconds: 5\n' });
    try {
      const exited = exitOf(server);
      const hook = fetch(server.apiUrl('/prestop'));
      await until(async () => (await fetch(server.apiUrl('/readyz'))).status === 503, 20, 50);
      expect((await hook).status).toBe(200);
      expect(await connects(server.rtmpPort)).toBe(true); // preStop alone never stops accepting
      server.proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      const start = server.output().split('\n').find((l) => l.includes('"event":"shutdown-start"'))!;
      expect(JSON.parse(start).graceMs).toBe(0);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  test('a listener port already in use: start-failed logged, exit 1 (not 0, not a hang)', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    try {
      const taken = (busy.address() as net.AddressInfo).port;
      const r = spawnSync(process.execPath, [SERVER_ENTRY, '--rtmp-port', String(taken), '--http-port', String(await freePort()),
        '--api-port', String(await freePort()), '--hls-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-busy-'))], { encoding: 'utf8', timeout: 20000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/"event":"start-failed".*EADDRINUSE/);
    } finally {
      busy.close();
    }
  });
});
