// The API's shapes, probes, CORS and hostile input, served over real HTTP from a fixed hub.
import * as net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { resolveServerConfig, ServerConfig } from '../../lib/server-config';
import { ApiServer, startApiServer } from '../../images/rtmp-server/src/http/api-server';
import { VERSION } from '../../images/rtmp-server/src/log';
import { fakeClient, FakeHub, fakeStream } from './api-fake-hub';

const silent = pino({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

describe('API (fixed hub)', () => {
  const streams = Array.from({ length: 25 }, (_, i) => fakeStream(i, i % 3, i !== 24));
  const clients = [fakeClient('c1', 'rtmp-publish', 's1'), fakeClient('c2', 'rtmp-play', 's1'), fakeClient('c3', 'flv-play', 's1')];
  const hub = new FakeHub(streams, clients);
  let config: ServerConfig = resolveServerConfig({});
  let ready = true;
  let preStops = 0;
  let api: ApiServer;
  const url = (p: string) => `http://127.0.0.1:${api.port}${p}`;
  const get = async (p: string, init?: RequestInit) => {
    const r = await fetch(url(p), init);
    const text = await r.text();
    let body: any = text;
    try { body = JSON.parse(text); } catch { /* text */ }
    return { status: r.status, headers: r.headers, body };
  };

  beforeAll(async () => {
    api = await startApiServer({
      hub,
      config: () => config,
      lifecycle: { isReady: () => ready, state: () => (ready ? 'ready' : 'draining'), preStop: async () => { preStops++; ready = false; } },
      log: silent,
    }, 0, '127.0.0.1');
  });
  afterAll(() => api.close());

  test('every SRS reply carries code, server, service, pid; versions has major/minor/revision/version', async () => {
    const r = await get('/api/v1/versions');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: 0, server: expect.stringMatching(/^vid-/), service: expect.any(String), pid: String(process.pid) });
    expect(r.body.data).toEqual({ major: 0, minor: 0, revision: 0, version: VERSION }); // unbundled: 0.0.0-dev
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('streams: SRS fields, clients counts the publisher, count clamped to ≥ 10, start/count paging', async () => {
    const r = await get('/api/v1/streams?start=0&count=3');
    expect(r.body.streams).toHaveLength(10);
    const s1 = r.body.streams[1];
    expect(s1).toMatchObject({
      id: 's1', name: 'cam1', app: 'live', tcUrl: 'rtmp://127.0.0.1/live', url: '/live/cam1', clients: 2, players: 1,
      frames: 250, send_bytes: 1000, recv_bytes: 2000, kbps: { recv_30s: 500, send_30s: 500 },
      publish: { active: true, cid: 'p1' },
      video: { codec: 'H264', profile: 'High', level: '3.0', width: 640, height: 360 },
      audio: { codec: 'AAC', sample_rate: 44100, channel: 2, profile: 'LC' },
    });
    expect(typeof s1.live_ms).toBe('number');
    expect(typeof s1.vhost).toBe('string');
    expect((await get('/api/v1/streams?start=20&count=100')).body.streams.map((s: any) => s.id)).toEqual(['s20', 's21', 's22', 's23', 's24']);
    const idle = (await get('/api/v1/streams/s24')).body.stream;
    expect(idle.publish).toEqual({ active: false });
    expect(idle.clients).toBe(idle.players);
    expect((await get('/api/v1/streams?start=-5&count=abc')).body.streams).toHaveLength(10);
    expect((await get('/api/v1/streams/')).body.streams).toHaveLength(10); // trailing slash as in SRS
  });

  test('clients and one client, with SRS type names', async () => {
    const r = await get('/api/v1/clients');
    expect(r.body.clients.map((c: any) => [c.id, c.type, c.publish])).toEqual([
      ['c1', 'fmle-publish', true], ['c2', 'rtmp-play', false], ['c3', 'flv-play', false],
    ]);
    const c = (await get('/api/v1/clients/c2')).body.client;
    expect(c).toMatchObject({ id: 'c2', stream: 's1', name: 'cam1', url: '/live/cam1', tcUrl: 'rtmp://127.0.0.1/live', alive: 2, send_bytes: 1000, recv_bytes: 500 });
  });

  test('unknown and hostile paths/ids → 404 JSON, never a crash', async () => {
    const hostile = [
      '/api/v1/streams/nope', '/api/v1/clients/nope', '/api/v1/streams/..%2F..%2Fetc%2Fpasswd', '/api/v1/streams/%E0%A4%A',
      '/api/v1/streams/%00', `/api/v1/streams/${'x'.repeat(5000)}`, '/api/v1/streams/%F0%9F%8E%A5', '/../../etc/passwd',
      '/api/v1/streams/a/b/c', '/api/v2/streams', '/', '/api', '/metrics/x',
    ];
    for (const p of hostile) {
      const r = await get(p);
      expect([p, r.status]).toEqual([p, 404]);
      expect(r.body).toMatchObject({ code: expect.any(Number), server: expect.any(String) });
    }
    expect((await get('/api/v1/streams/nope')).body.code).toBe(2048);
    expect((await get('/api/v1/clients/nope')).body.code).toBe(2049);
    // Raw garbage on the socket: the server drops it and keeps serving.
    await new Promise<void>((resolve) => {
      const s = net.connect(api.port, '127.0.0.1', () => s.end('\x16\x03\x01GARBAGE\r\n\r\n'));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect((await get('/healthz')).status).toBe(200);
  });

  test('methods: 405 on a known path, OPTIONS preflight, HEAD', async () => {
    expect((await get('/api/v1/streams', { method: 'POST', body: '{}' })).status).toBe(405);
    // Any web page may read; only the pages of api.corsOrigins are offered DELETE.
    const pre = await get('/api/v1/clients/c1', { method: 'OPTIONS', headers: { Origin: 'http://page.example' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    config = resolveServerConfig({ api: { corsOrigins: ['http://ops.example'] } });
    const trusted = await get('/api/v1/clients/c1', { method: 'OPTIONS', headers: { Origin: 'http://ops.example' } });
    expect(trusted.headers.get('access-control-allow-origin')).toBe('http://ops.example');
    expect(trusted.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(trusted.headers.get('access-control-allow-headers')).toBe('Authorization');
    config = resolveServerConfig({});
    const head = await fetch(url('/healthz'), { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  test('kick: off by default; api.allowKick or api.token (Bearer) turns it on; unlisted web origins never kick', async () => {
    expect((await get('/api/v1/clients/c2', { method: 'DELETE' })).status).toBe(403);
    config = resolveServerConfig({ api: { allowKick: true } });
    expect((await get('/api/v1/clients/c3', { method: 'DELETE' })).body.code).toBe(0);
    expect(hub.kicked).toEqual(['c3']);
    expect((await get('/api/v1/clients/zz', { method: 'DELETE' })).status).toBe(404);
    expect((await get('/api/v1/clients/c2', { method: 'DELETE', headers: { Origin: 'http://evil.example' } })).status).toBe(403);
    config = resolveServerConfig({ api: { token: 's3cret', corsOrigins: ['http://ops.example'] } });
    const noToken = await get('/api/v1/clients/c2', { method: 'DELETE' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get('/api/v1/clients/c2', { method: 'DELETE', headers: { Authorization: 'Bearer wrong!' } })).status).toBe(401);
    expect(hub.kicked).toEqual(['c3']);
    const ok = await get('/api/v1/clients/c2', { method: 'DELETE', headers: { Authorization: 'Bearer s3cret', Origin: 'http://ops.example' } });
    expect(ok.body.code).toBe(0);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://ops.example');
    expect(hub.kicked).toEqual(['c3', 'c2']);
    config = resolveServerConfig({});
  });

  test('summaries: self and system figures in SRS shape', async () => {
    const d = (await get('/api/v1/summaries')).body.data;
    expect(d.ok).toBe(true);
    expect(d.self).toMatchObject({ pid: process.pid, ppid: process.ppid, cwd: process.cwd(), mem_kbyte: expect.any(Number) });
    expect(d.self.mem_percent).toBeGreaterThan(0);
    expect(d.self.mem_percent).toBeLessThan(1);
    expect(d.system).toMatchObject({ srs_recv_bytes: 1000, srs_send_bytes: 5000, conn_srs: 3, cpus: expect.any(Number) });
    for (const k of ['cpu_percent', 'mem_ram_kbyte', 'mem_ram_percent', 'cpus_online', 'uptime', 'load_1m', 'load_5m', 'load_15m',
      'net_recv_bytes', 'net_send_bytes', 'conn_sys']) expect(typeof d.system[k]).toBe('number');
    expect(typeof (await get('/api/v1/summaries')).body.data.self.cpu_percent).toBe('number');
    // This very request's connection is established, so the kernel counters cannot be 0.
    expect(d.system.conn_sys_et).toBeGreaterThanOrEqual(1);
    expect(d.system.conn_sys).toBeGreaterThanOrEqual(d.system.conn_sys_et);
    expect(typeof d.system.conn_sys_tw).toBe('number');
  });

  test('metrics: hub values at scrape time, counters follow the totals, default process metrics', async () => {
    const m = (await get('/metrics')).body as string;
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1]);
    expect(value('rtmp_server_streams')).toBe(25);
    // Players by protocol, from the clients list (the fake hub has one RTMP and one HTTP-FLV player).
    expect(m).toMatch(/^rtmp_server_players\{protocol="rtmp"\} 1$/m);
    expect(m).toMatch(/^rtmp_server_players\{protocol="flv"\} 1$/m);
    expect(m).toMatch(/^rtmp_server_players\{protocol="hls"\} 0$/m);
    expect(value('rtmp_server_publishers')).toBe(1);
    expect(value('rtmp_server_received_bytes_total')).toBe(1000);
    expect(value('rtmp_server_upstream_pulls_active')).toBe(2);
    expect(m).toMatch(/^rtmp_server_clients\{kind="rtmp-play"\} 1$/m);
    expect(m).toMatch(/^process_resident_memory_bytes \d+/m);
    hub.totalsValue = { ...hub.totalsValue, bytesIn: 4500, droppedFrames: 10 };
    const m2 = (await get('/metrics')).body as string;
    expect(Number(/^rtmp_server_received_bytes_total (\S+)$/m.exec(m2)?.[1])).toBe(4500);
    expect(Number(/^rtmp_server_dropped_frames_total (\S+)$/m.exec(m2)?.[1])).toBe(10);
  });

  test('probes: healthz always, readyz follows readiness, prestop flips it', async () => {
    expect((await get('/healthz')).body).toMatchObject({ status: 'ok' });
    expect((await get('/readyz')).status).toBe(200);
    expect((await fetch(url('/prestop'), { method: 'HEAD' })).status).toBe(405);
    expect(preStops).toBe(0);
    const p = await get('/prestop');
    expect(p.status).toBe(200);
    expect(preStops).toBe(1);
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/healthz')).status).toBe(200);
  });
});
