/**
 * Bad input on real sockets: each hostile client is refused or closed on its own, with a log line,
 * while a healthy stream keeps flowing and the process stays up. No file appears outside the HLS dir.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { encodeChunks } from '../../images/rtmp-server/src/protocol/rtmp/chunk-encoder';
import { encodeMediaChunks } from '../../images/rtmp-server/src/protocol/rtmp/chunk-encoder';
import { readFlvTags } from '../helpers/flv-file';
import { countFrames, makeFlv, publish, Publisher } from '../helpers/media';
import { RawRtmp } from '../helpers/rtmp-raw';
import { eventually, events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

let server: RunningServer;
let healthy: Publisher;
let silent: RawRtmp;

/** Deterministic garbage (xorshift), so a failure can be replayed. */
function garbage(n: number, seed = 12345): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

/** One hand-made chunk: fmt 0 header on `csid` declaring `length`, then `body` (may be shorter: a lie). */
function rawChunk(csid: number, type: number, length: number, body: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = csid; // fmt 0, csid < 64
  h.writeUIntBE(0, 1, 3);
  h.writeUIntBE(length, 4, 3);
  h[7] = type;
  h.writeUInt32LE(0, 8);
  return Buffer.concat([h, body]);
}

function listAll(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p + '/', ...listAll(p)] : [p];
  });
}

beforeAll(async () => {
  server = await startServer();
  silent = await RawRtmp.open(server.rtmpPort); // says nothing at all: the setup timeout must end it
  healthy = publish(server.rtmpUrl('live', 'healthy'), 90);
  await waitForEvent(server, 'publish', { stream: 'healthy' });
});
afterAll(async () => {
  silent?.destroy();
  await healthy?.stop();
  await server?.stop();
});

afterEach(() => {
  expect(server.proc.exitCode).toBeNull();
  expect(events(server, 'crash')).toEqual([]);
});

test('garbage instead of a handshake is closed', async () => {
  for (const first of [Buffer.from([0x16, 0x03, 0x01]), Buffer.from('GET / HTTP/1.1\r\n\r\n')]) {
    const c = await RawRtmp.open(server.rtmpPort);
    c.send(Buffer.concat([first, garbage(4000)]));
    expect(await c.closedWithin(3000)).toBe(true);
  }
  // Version byte right, then random bytes for C1, C2 and the "chunks" after them.
  const c = await RawRtmp.open(server.rtmpPort);
  c.send(Buffer.concat([Buffer.from([3]), garbage(20000, 99)]));
  expect(await c.closedWithin(3000)).toBe(true);
});

test('a valid handshake followed by garbage chunks is closed', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const c = await RawRtmp.open(server.rtmpPort);
    await c.handshake();
    c.send(garbage(65536, seed));
    expect(await c.closedWithin(5000)).toBe(true);
  }
});

test('an absurd SetChunkSize is refused', async () => {
  for (const size of [0x7fffffff, 0, 0xffffffff]) {
    const c = await RawRtmp.open(server.rtmpPort);
    await c.handshake();
    const p = Buffer.alloc(4);
    p.writeUInt32BE(size >>> 0);
    c.send(rawChunk(2, 1, 4, p));
    expect(await c.closedWithin(3000)).toBe(true);
  }
  expect(await eventually(() => events(server, 'close').some((l) => /chunk size/.test(l.reason)))).toBe(true);
});

test('a message length over rtmp.maxMessageSize is refused at its header', async () => {
  const c = await RawRtmp.open(server.rtmpPort);
  await c.connect('live');
  c.send(rawChunk(4, 9, 0xffffff, garbage(100)));
  expect(await c.closedWithin(3000)).toBe(true);
  expect(await eventually(() => events(server, 'close').some((l) => /exceeds rtmp.maxMessageSize/.test(l.reason)))).toBe(true);
});

test('thousands of chunk stream ids are refused', async () => {
  const c = await RawRtmp.open(server.rtmpPort);
  await c.handshake();
  const chunks: Buffer[] = [];
  for (let csid = 64; csid < 3064; csid++) {
    // 2-byte basic header form (csid 64..319) and 3-byte form above it; one-byte audio messages.
    chunks.push(encodeChunks(csid, 8, 1, 0, Buffer.from([0xaf]), 128));
  }
  c.send(Buffer.concat(chunks));
  expect(await c.closedWithin(3000)).toBe(true);
  expect(await eventually(() => events(server, 'close').some((l) => /too many chunk stream ids/.test(l.reason)))).toBe(true);
});

test('AMF with lying lengths, unknown types or absurd nesting is refused', async () => {
  const bodies = [
    Buffer.concat([Buffer.from([0x02, 0xff, 0xff]), Buffer.from('conn')]), // string claims 65535 bytes
    Buffer.concat([Buffer.from([0x02, 0x00, 0x07]), Buffer.from('connect'), Buffer.from([0x0d, 1, 2, 3])]), // unsupported type
    Buffer.concat([Buffer.from([0x02, 0x00, 0x07]), Buffer.from('connect'), Buffer.from([0x0c, 0x7f, 0xff, 0xff, 0xff, 0x41])]), // long string lies
    Buffer.concat([Buffer.from([0x02, 0x00, 0x07]), Buffer.from('connect'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff])]), // strict array of 4G items
    Buffer.concat([Buffer.from([0x02, 0x00, 0x07]), Buffer.from('connect'),
      ...Array.from({ length: 100 }, () => Buffer.from([0x0a, 0, 0, 0, 1]))]), // 100 nested arrays
  ];
  for (const body of bodies) {
    const c = await RawRtmp.open(server.rtmpPort);
    await c.handshake();
    c.send(encodeChunks(3, 20, 0, 0, body, 128));
    expect(await c.closedWithin(3000)).toBe(true);
  }
  const amfReasons = () => events(server, 'close').filter((l) => /^amf0/.test(l.reason)).map((l) => l.reason);
  expect(await eventually(() => amfReasons().length >= 5)).toBe(true);
  expect(amfReasons()).toEqual(expect.arrayContaining(['amf0: value runs past the message', 'amf0: unsupported type 0xd', 'amf0: array too long', 'amf0: nesting too deep']));
});

test('hostile app and stream names are refused over RTMP and HTTP-FLV', async () => {
  const names = ['../../etc/passwd', 'x'.repeat(10 * 1024), 'strêam', 'a/b', '..', ''];
  for (const name of names) {
    const c = await RawRtmp.open(server.rtmpPort);
    await c.connect('live');
    c.sendCommand('createStream', 2, null);
    c.sendCommand('publish', 3, null, name, 'live');
    expect(await c.closedWithin(3000)).toBe(true);
    expect(c.text()).toContain('NetStream.Publish.BadName');
  }
  for (const app of ['../../etc', 'ap\u00e9', 'y'.repeat(300)]) {
    const c = await RawRtmp.open(server.rtmpPort);
    await c.connect(app);
    expect(await c.closedWithin(3000)).toBe(true);
    expect(c.text()).toContain('NetConnection.Connect.Rejected');
  }
  for (const p of ['/live/..%2F..%2Fetc%2Fpasswd.flv', `/live/${'x'.repeat(10 * 1024)}.flv`, '/live/str%C3%AAam.flv', '/..%2F..%2Fetc/x.flv']) {
    const res = await fetch(server.httpUrl(p));
    expect(res.status).toBe(404);
    await res.text();
  }
  const nameRejects = () => events(server, 'reject').filter((l) => /invalid (app|stream|app or stream) name/.test(l.reason));
  await eventually(() => nameRejects().length >= 13);
  const refused = nameRejects();
  expect(refused.map((l) => l.reason)).toEqual(expect.arrayContaining(['invalid stream name', 'invalid app name', 'invalid app or stream name']));
  expect(refused.length).toBeGreaterThanOrEqual(13);
});

test('a second publisher on a live stream is refused; the first keeps flowing', async () => {
  const second = publish(server.rtmpUrl('live', 'healthy'), 5);
  const code = await second.exited;
  expect(code).not.toBe(0);
  expect(second.stderr()).toMatch(/already publishing/);
  expect(await eventually(() => events(server, 'reject', { stream: 'healthy', reason: 'stream already publishing' }).length === 1)).toBe(true);
  expect(await countFrames(server.rtmpUrl('live', 'healthy'), 1)).toBeGreaterThan(5);
});

test('a publisher and a player that vanish mid-stream are cleaned up', async () => {
  const doomed = publish(server.rtmpUrl('live', 'vanish'), 60);
  await waitForEvent(server, 'publish', { stream: 'vanish' });
  const player = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', server.rtmpUrl('live', 'healthy'), '-f', 'null', '-'], { stdio: 'ignore' });
  await waitForEvent(server, 'play', { stream: 'healthy', kind: 'rtmp-play' }, events(server, 'play', { stream: 'healthy', kind: 'rtmp-play' }).length + 1);
  await new Promise((r) => setTimeout(r, 1000));
  player.kill('SIGKILL');
  await doomed.stop(); // SIGKILL: the socket just goes away
  await waitForEvent(server, 'close', { stream: 'vanish', role: 'publish' });
  const playerGone = await new Promise<boolean>((resolve) => {
    const deadline = Date.now() + 5000;
    const check = () => {
      const closes = events(server, 'close', { stream: 'healthy', role: 'play' });
      if (closes.length > 0) resolve(true); else if (Date.now() > deadline) resolve(false); else setTimeout(check, 100);
    };
    check();
  });
  expect(playerGone).toBe(true);
});

test('a real publish with bytes flipped closes that connection only (or plays on)', async () => {
  const tags = readFlvTags(await makeFlv(path.join(server.workDir, '..', `flip-${process.pid}.flv`), 2));
  const media = Buffer.concat(tags.map((t) => encodeMediaChunks(t.type, t.timestamp, t.payload, 128)));
  for (const seed of [7, 8, 9, 10, 11, 12]) {
    const c = await RawRtmp.open(server.rtmpPort);
    await c.connect('live');
    c.sendCommand('createStream', 2, null);
    c.sendCommand('publish', 3, null, `flip${seed}`, 'live');
    await c.waitFor((b) => b.includes('NetStream.Publish.Start'));
    const bad = Buffer.from(media);
    const noise = garbage(16, seed);
    for (let i = 0; i < 8; i++) bad[noise.readUInt16BE(i * 2) * 7 % bad.length] ^= 0xff;
    c.send(bad);
    await c.closedWithin(500);
    c.destroy();
  }
  fs.rmSync(path.join(server.workDir, '..', `flip-${process.pid}.flv`), { force: true });
});

test('a peer that never speaks is closed by the setup timeout', async () => {
  expect(await silent.closedWithin(15000)).toBe(true);
  expect(await eventually(() => events(server, 'close', { reason: 'setup timeout' }).length >= 1)).toBe(true);
});

test('afterwards: the healthy stream still plays over RTMP and HTTP-FLV, and no file exists outside the HLS dir', async () => {
  expect(await countFrames(server.rtmpUrl('live', 'healthy'), 2)).toBeGreaterThan(10);
  expect(await countFrames(server.httpUrl('/live/healthy.flv'), 2)).toBeGreaterThan(10);
  const files = listAll(server.workDir);
  const outside = files.filter((f) => !f.startsWith(server.hlsDir + '/'));
  expect(outside).toEqual([]);
  for (const f of files) expect(path.basename(f)).toMatch(/^[A-Za-z0-9._~-]*\/?$/);
  expect(fs.existsSync(path.resolve(server.hlsDir, '../../etc/passwd'))).toBe(false);
});
