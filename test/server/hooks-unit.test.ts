/**
 * Units of hooks and forwarding: SRS bodies, SRS allow/deny parsing (with dynamic forward URLs), destination
 * templates, the bounded POST against a real local HTTP server, gate/notify policy, and the server refusing bad
 * hook/forward settings at start with the field named (exit 2).
 */
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fillTemplate, resolveDestination, describeDestination } from '../../images/rtmp-server/src/forward/destination';
import { Hooks } from '../../images/rtmp-server/src/hooks/hooks';
import { MAX_REPLY_BYTES, postJson } from '../../images/rtmp-server/src/hooks/http-post';
import { hlsFields, parseAnswer, srsBody } from '../../images/rtmp-server/src/hooks/srs-body';
import { createLogger } from '../../images/rtmp-server/src/log';
import { DEFAULT_SERVER_CONFIG, HooksConfig } from '../../lib/server-config';
import { SERVER_ENTRY } from '../helpers/server-process';

const client = { id: '0000abcd', ip: '::ffff:10.1.2.3', app: 'live', stream: 'cam', query: 'key=k&x=1', tcUrl: 'rtmp://h/live', streamId: 's1' };

describe('SRS bodies', () => {
  test('carry SRS field names and values', () => {
    expect(srsBody('onPublish', client)).toMatchObject({
      action: 'on_publish', client_id: '0000abcd', ip: '10.1.2.3', vhost: '__defaultVhost__', app: 'live', stream: 'cam',
      param: '?key=k&x=1', tcUrl: 'rtmp://h/live', stream_url: '/live/cam', stream_id: 's1',
    });
    expect(srsBody('onConnect', { ...client, stream: '', query: '' })).toMatchObject({ action: 'on_connect', param: '', stream_url: '/live' });
    expect(hlsFields('live', 'cam', { file: '/h/live/cam-7.ts', name: 'cam-7.ts', playlist: '/h/live/cam.m3u8', durationMs: 2040, seq: 7 }))
      .toMatchObject({ duration: 2.04, file: '/h/live/cam-7.ts', url: 'live/cam-7.ts', m3u8: '/h/live/cam.m3u8', m3u8_url: 'live/cam.m3u8', seq_no: 7 });
  });
});

describe('SRS allow semantics', () => {
  test.each([
    [200, '0', true],
    [200, ' 0\n', true],
    [200, '{"code":0}', true],
    [200, '{"code":0,"data":{"urls":"not a list"}}', true],
    [200, '{"code":1}', false],
    [200, '{"code":"0"}', false],
    [200, '{}', false],
    [200, '1', false],
    [200, '', false],
    [200, 'OK', false],
    [200, '[0]', false],
    [201, '0', false],
    [403, '0', false],
    [500, '{"code":0}', false],
  ])('HTTP %d %j → allowed %s', (status, body, allowed) => {
    expect(parseAnswer(status, body).allowed).toBe(allowed);
  });

  test('dynamic forward: data.urls strings are taken, bounded in count and length', () => {
    const urls = Array.from({ length: 40 }, (_, i) => `rtmp://h/live/s${i}`);
    const a = parseAnswer(200, JSON.stringify({ code: 0, data: { urls: [...urls, 5, null, 'x'.repeat(5000)] } }));
    expect(a.urls).toEqual(urls.slice(0, 16));
  });
});

describe('forward destination templates', () => {
  const s = { app: 'live', stream: 'cam', param: 'token=t' };
  test('placeholders are filled; ports, TLS and query follow the URL', () => {
    expect(fillTemplate('rtmp://h/[app]/[stream]?[param]', s)).toBe('rtmp://h/live/cam?token=t');
    expect(resolveDestination('rtmp://h/[app]/[stream]?[param]', s)).toEqual({ host: 'h', port: 1935, app: 'live', stream: 'cam', query: 'token=t', tls: false });
    expect(resolveDestination('rtmps://a.rtmps.youtube.com/live2/KEY', s)).toEqual({ host: 'a.rtmps.youtube.com', port: 443, app: 'live2', stream: 'KEY', query: '', tls: true });
    expect(resolveDestination('rtmp://[::1]:1936/[app]/bk-[stream]', s)).toMatchObject({ host: '::1', port: 1936, stream: 'bk-cam' });
  });
  test('what cannot be pushed to is an Error, and stream keys never show in descriptions', () => {
    expect(resolveDestination('http://h/[app]/[stream]', s)).toBeInstanceOf(Error);
    expect(resolveDestination('rtmp://h/[app]', s)).toBeInstanceOf(Error);
    expect(resolveDestination('rtmp://h/[app]/[streem]', s)).toBeInstanceOf(Error);
    const d = resolveDestination('rtmps://live.example.com/app/SECRETKEY?k=SECRET', s);
    expect(describeDestination(d as any)).toBe('rtmps://live.example.com:443/app/…');
  });
});

describe('bounded POST and gate/notify policy against a local backend', () => {
  let server: http.Server;
  let base = '';
  const bodies: any[] = [];
  let failures = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => { data += c; });
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        if (req.url === '/huge') {
          res.writeHead(200);
          // 10 MiB in 64 KiB writes; the client stops reading after MAX_REPLY_BYTES.
          let left = 160;
          const more = () => { while (left-- > 0) if (!res.write(Buffer.alloc(65536, 0x30))) return void res.once('drain', more); res.end(); };
          res.on('error', () => {});
          more();
        } else if (req.url === '/flaky') {
          if (failures++ < 2) res.writeHead(503).end(); else res.writeHead(200).end('0');
        } else if (req.url === '/hang') {
          /* never answers */
        } else {
          res.writeHead(200).end('{"code":0}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const hooks = (over: Partial<HooksConfig>) => {
    const h = new Hooks(() => ({ ...DEFAULT_SERVER_CONFIG.hooks, ...over }), createLogger('error'));
    const seen: string[] = [];
    h.addObserver((event, result) => seen.push(`${event}:${result}`));
    return { h, seen };
  };

  test('a huge reply is cut at MAX_REPLY_BYTES and denies', async () => {
    const r = await postJson(`${base}/huge`, { a: 1 }, 3000);
    expect(r.truncated).toBe(true);
    expect(r.body.length).toBe(MAX_REPLY_BYTES);
    const { h } = hooks({ onPublish: [`${base}/huge`] });
    expect((await h.gate('onPublish', client)).allowed).toBe(false);
  });

  test('timeouts follow failOpen; every URL is asked in turn', async () => {
    const shut = hooks({ onPlay: [`${base}/ok`, `${base}/hang`], timeoutMs: 200 });
    const g = await shut.h.gate('onPlay', client);
    expect(g).toMatchObject({ allowed: false, reason: expect.stringMatching(/on_play hook unreachable: no answer within 200 ms/) });
    expect(shut.seen).toEqual(['onPlay:allowed', 'onPlay:failed']);
    const open = hooks({ onPlay: [`${base}/hang`, `${base}/ok`], timeoutMs: 200, failOpen: true });
    expect((await open.h.gate('onPlay', client)).allowed).toBe(true);
    expect(open.seen).toEqual(['onPlay:failed', 'onPlay:allowed']);
  });

  test('notifications are retried with backoff and succeed; with no URL nothing is sent', async () => {
    const { h, seen } = hooks({ onStop: [`${base}/flaky`], retries: 3, backoffMs: 20 });
    const before = bodies.length;
    h.notify('onStop', client);
    for (let i = 0; i < 100 && h.pendingCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['onStop:retry', 'onStop:retry', 'onStop:ok']);
    expect(bodies.length - before).toBe(3);
    hooks({}).h.notify('onStop', client);
    expect(bodies.length - before).toBe(3);
  });
});

describe('the server refuses bad hook and forward settings at start (exit 2, field named)', () => {
  const run = (env: Record<string, string>) => spawnSync(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 15000,
  });
  test.each([
    [{ RTMP_SERVER_HOOKS_ON_PUBLISH: 'ftp://x/y' }, /^config error: hooks\.onPublish\[0\] must use http:\/\/ or https:\/\/, not ftp:\/\//m],
    [{ RTMP_SERVER_HOOKS_ON_PLAY: 'backend/hook' }, /^config error: hooks\.onPlay\[0\] must be an absolute http:\/\/ or https:\/\/ URL/m],
    [{ RTMP_SERVER_HOOKS_TIMEOUT_MS: '60000' }, /^config error: hooks\.timeoutMs must be <= 8000/m],
    [{ RTMP_SERVER_FORWARD_DESTINATIONS: 'rtmp://h/[app]/[stream],rtmp://h/onlyapp?KEY' }, /^config error: forward\.destinations\[1\] must have the form/m],
  ])('%j', (env, message) => {
    const r = run(env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('KEY'); // destinations carry stream keys: never echoed
  });
});
