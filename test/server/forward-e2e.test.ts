/**
 * Forwarding on the real bundle: one ffmpeg publisher on server A, which forwards every stream to
 *  - server B over RTMP, with the publisher's query passed through `[param]`;
 *  - server B over RTMPS, through a TLS terminator in front of B whose certificate the test makes with openssl
 *    (A trusts it through NODE_EXTRA_CA_CERTS), under another stream name;
 *  - a port that refuses connections and one that accepts and never answers (retried with backoff, never
 *    disturbing A's players);
 *  - and the URL its onPublish hook answered (SRS dynamic forward: `{"code":0,"data":{"urls":[...]}}`).
 * Players on B get media from each forward; A lists the forwards as `forward` clients.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { countFrames } from '../helpers/media';
import { events } from '../helpers/server-logs';
import { freePort } from '../helpers/ports';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, isPublishing, LoopPublisher, publishLoop, waitUntil } from './cluster-support';
import { HookBackend, hooksYaml } from './hooks-backend';

let backend: HookBackend;
let a: RunningServer;
let b: RunningServer;
let terminator: tls.Server;
let pub: LoopPublisher;
let refusingPort: number;
let hole: net.Server;
let holePort: number;

/** A self-signed certificate for `localhost`, made with openssl. */
function makeCert(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  return { cert, key };
}

beforeAll(async () => {
  backend = await new HookBackend().start();
  b = await startServer({ configYaml: `${hooksYaml(backend, { onPublish: '/b/publish' })}hls:\n  enabled: false\n` });
  // RTMPS in front of B: TLS terminated here, bytes piped to B's RTMP port.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forward-tls-'));
  const { cert, key } = makeCert(dir);
  terminator = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (s) => {
    const up = net.connect(b.rtmpPort, '127.0.0.1');
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => terminator.listen(0, '127.0.0.1', () => r()));
  const tlsPort = (terminator.address() as net.AddressInfo).port;
  refusingPort = await freePort();
  // A destination that accepts TCP and never answers (a stalled platform ingest).
  hole = net.createServer(() => { /* accept and stay silent */ });
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
  holePort = (hole.address() as net.AddressInfo).port;
  backend.forwardUrls = [`rtmp://127.0.0.1:${b.rtmpPort}/live/from-hook`];
  const destinations = [
    `rtmp://127.0.0.1:${b.rtmpPort}/[app]/[stream]?[param]`,
    `rtmps://localhost:${tlsPort}/[app]/tls-[stream]`,
    `rtmp://127.0.0.1:${refusingPort}/[app]/[stream]`,
    `rtmp://127.0.0.1:${holePort}/[app]/[stream]`,
  ];
  a = await startServer({
    configYaml: `${hooksYaml(backend, { onPublish: '/forward' })}forward:\n  destinations: ${JSON.stringify(destinations)}\nhls:\n  enabled: false\n`,
    env: { NODE_EXTRA_CA_CERTS: cert },
  });
  pub = await publishLoop(a.rtmpUrl('live', 'f1?token=abc'), 60);
});

afterAll(async () => {
  await pub?.stop();
  for (const s of [a, b]) await s?.stop('SIGKILL');
  terminator?.close();
  hole?.close();
  await backend?.stop();
});

test('B plays what A forwards over RTMP, with the publisher query passed through [param]', async () => {
  await waitUntil('f1 on B', () => isPublishing(b, 'f1'), 20000);
  expect(await countFrames(b.rtmpUrl('live', 'f1'), 1)).toBeGreaterThan(5);
  const [call] = backend.callsTo('/b/publish', { stream: 'f1' });
  expect(call.body.param).toBe('?token=abc');
});

test('RTMPS destinations work (TLS verified against the CA A was given); placeholders fill inside names', async () => {
  await waitUntil('tls-f1 on B', () => isPublishing(b, 'tls-f1'), 20000);
  expect(await countFrames(b.httpUrl('/live/tls-f1.flv'), 1)).toBeGreaterThan(5);
});

test('the onPublish answer adds a destination for this stream (dynamic forward)', async () => {
  await waitUntil('from-hook on B', () => isPublishing(b, 'from-hook'), 20000);
  expect(await countFrames(b.rtmpUrl('live', 'from-hook'), 1)).toBeGreaterThan(5);
});

test('destinations that refuse or never answer are retried and never disturb A or the other forwards', async () => {
  await waitUntil('two failed attempts', () =>
    events(a, 'forward-failed').filter((e) => e.target === `rtmp://127.0.0.1:${refusingPort}/live/…`).length >= 2, 20000);
  await waitUntil('the silent one timed out', () =>
    events(a, 'forward-failed').some((e) => e.target === `rtmp://127.0.0.1:${holePort}/live/…`), 20000);
  expect(pub.running()).toBe(true);
  // 3 s of A's own players at full rate (25 fps), while the refused destination keeps being retried.
  expect(await countFrames(a.rtmpUrl('live', 'f1'), 3)).toBeGreaterThan(60);
  expect(await countFrames(b.rtmpUrl('live', 'f1'), 1)).toBeGreaterThan(5);
  // Logs and the API never show stream keys: destinations are named without their stream and query.
  expect(a.output()).not.toContain('token=abc');
  const clients = (await getJson(a.apiUrl('/api/v1/clients?count=100'))).clients as { type: string }[];
  expect(clients.filter((c) => c.type === 'forward').length).toBe(3);
  const metrics = await (await fetch(a.apiUrl('/metrics'))).text();
  expect(metrics).toMatch(/^rtmp_server_clients\{kind="forward"\} 3$/m);
});
