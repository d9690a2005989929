/**
 * Merged reads (protocol/rtmp/read-merge.ts, `rtmp.mergeReadMs`): a held socket is read at most once per tick and
 * still gets every byte in order, to EOF; unheld, the same writes take many more reads. Through the server, a
 * publisher is merged only once publishing (the command exchange is read as it comes) and its stream plays.
 */
import * as net from 'node:net';
import { heldSockets, holdAfterRead, holdReads } from '../../images/rtmp-server/src/protocol/rtmp/read-merge';
import { readIntoShared } from '../../images/rtmp-server/src/protocol/rtmp/socket-reads';
import { countFrames, probe, publish } from '../helpers/media';
import { RawRtmp } from '../helpers/rtmp-raw';
import { eventually, events } from '../helpers/server-logs';
import { startServer } from '../helpers/server-process';

jest.setTimeout(30_000);

const pattern = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff));

/**
 * Writes `data` from a loopback client (in 200-byte pieces every 5 ms, or `atOnce`); returns what the server read,
 * and how. The server holds after every read (holdReads), or as a connection does (holdAfterRead, `afterRead`).
 */
async function readsOf(data: Buffer, mergeMs: number, opts: { atOnce?: boolean; afterRead?: boolean } = {}): Promise<{ bytes: Buffer; reads: number; spanMs: number }> {
  const pieces: Buffer[] = [];
  const times: number[] = [];
  let closed!: Promise<void>;
  const server = net.createServer((s) => {
    closed = new Promise((r) => s.on('close', () => r()));
    expect(readIntoShared(s, (v) => {
      pieces.push(Buffer.from(v));
      times.push(performance.now());
      if (mergeMs > 0 && opts.afterRead) holdAfterRead(s, v.length, mergeMs);
      else if (mergeMs > 0) holdReads(s, mergeMs);
    })).toBe(true);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    c.setNoDelay(true);
    await new Promise<void>((r, j) => { c.on('connect', r); c.on('error', j); });
    for (let off = 0; off < data.length && !opts.atOnce; off += 200) {
      c.write(data.subarray(off, off + 200));
      await new Promise((r) => setTimeout(r, 5));
    }
    if (opts.atOnce) c.write(data);
    c.end();
    await new Promise<void>((r) => c.on('close', () => r()));
    await closed;
  } finally {
    server.close();
  }
  return { bytes: Buffer.concat(pieces), reads: pieces.length, spanMs: times[times.length - 1] - times[0] };
}

test('a held socket is read at most once per tick and gets every byte, in order, to EOF', async () => {
  const data = pattern(40_000, 3); // 200 writes over ~1 s
  const merged = await readsOf(data, 100);
  expect(merged.bytes.equals(data)).toBe(true);
  // One read per tick at most (plus the first): never more, whatever the machine's load.
  expect(merged.reads).toBeLessThanOrEqual(Math.floor(merged.spanMs / 100) + 2);
  expect(merged.reads).toBeGreaterThan(1);
  const direct = await readsOf(data, 0);
  expect(direct.bytes.equals(data)).toBe(true);
  expect(direct.reads).toBeGreaterThan(Math.floor(direct.spanMs / 100) + 2);
  await new Promise((r) => setTimeout(r, 150));
  expect(heldSockets()).toBe(0); // the closed socket is not held past the next tick
});

test('a read that fills the shared buffer is followed at once, so a fast sender is not held to a read per tick', async () => {
  // 1 MB written at once: held after every read, the server would take one 64 KiB read per 500 ms tick (8 s).
  const data = pattern(1 << 20, 7);
  const held = await readsOf(data, 500, { atOnce: true, afterRead: true });
  expect(held.bytes.equals(data)).toBe(true);
  // More reads than ticks: some tick read on after a full read (with holdReads alone, at most one per tick).
  expect(held.reads).toBeGreaterThan(Math.floor(held.spanMs / 500) + 2);
});

/** connect, createStream and publish `name` in app live, each waiting for the server's answer. */
async function publishRaw(c: RawRtmp, name: string): Promise<void> {
  await c.connect('live');
  await c.waitFor((b) => b.includes('NetConnection.Connect.Success'));
  c.sendCommand('createStream', 2, null);
  await c.waitFor((b) => b.includes('_result') && b.lastIndexOf('_result') > b.indexOf('NetConnection.Connect.Success'));
  c.sendCommand('publish', 3, null, name, 'live');
  await c.waitFor((b) => b.includes('NetStream.Publish.Start'));
}

describe('through the server, rtmp.mergeReadMs 1000', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => { server = await startServer({ configYaml: 'rtmp:\n  mergeReadMs: 1000\nhls:\n  enabled: false\n' }); });
  afterAll(async () => { await server.stop(); });

  test('the command exchange is read as it comes: merging starts at Publish.Start', async () => {
    const c = await RawRtmp.open(server.rtmpPort);
    try {
      const started = performance.now();
      await publishRaw(c, 'prompt');
      // Three round trips after the handshake; each would wait up to a second if these reads were merged.
      expect(performance.now() - started).toBeLessThan(900);
    } finally {
      c.destroy();
    }
  });

  test('a merged publisher plays over RTMP and HTTP-FLV, and its end is seen', async () => {
    const pub = publish(server.rtmpUrl('live', 'merged'), 12);
    try {
      const rtmp = await probe(server.rtmpUrl('live', 'merged'));
      expect(rtmp.streams.map((x) => x.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(await countFrames(server.httpUrl('/live/merged.flv'), 3)).toBeGreaterThanOrEqual(60);
    } finally {
      await pub.stop();
    }
    expect(await eventually(() => events(server, 'unpublish', { stream: 'merged' }).length === 1)).toBe(true);
  });
});
