/**
 * Shared-buffer socket reads (protocol/rtmp/socket-reads.ts): an accepted plain TCP socket delivers its bytes
 * through the callback, in order and whole, to EOF (the socket still closes); two sockets reading at once never
 * see each other's bytes; TLS sockets are left on 'data'; the handshake keeps a copy of what it holds across
 * reads, not a view of the reused buffer. The fast path is pinned to this Node: an upgrade that drops it fails here.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ServerHandshake, HANDSHAKE_SIZE } from '../../images/rtmp-server/src/protocol/rtmp/handshake';
import { readIntoShared, sharedReadsAvailable } from '../../images/rtmp-server/src/protocol/rtmp/socket-reads';

function pattern(n: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
}

test('this Node gives accepted TCP sockets shared-buffer reads', () => {
  expect(sharedReadsAvailable()).toBe(true);
});

test('two accepted sockets: each gets exactly its own bytes, then closes at EOF', async () => {
  const got = new Map<number, Buffer[]>();
  const used: boolean[] = [];
  const closed: Promise<void>[] = [];
  let accepted = 0;
  const server = net.createServer((s) => {
    const id = accepted++;
    got.set(id, []);
    // Copies: the view is valid only during the call.
    used.push(readIntoShared(s, (v) => got.get(id)!.push(Buffer.from(v))));
    closed.push(new Promise((r) => s.on('close', () => r())));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const a = pattern(300_000, 1);
    const b = pattern(200_000, 2);
    const send = (data: Buffer) => new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => {
        // Interleaved small writes from both clients make their reads alternate on the server.
        let off = 0;
        const step = (): void => {
          if (off >= data.length) { c.end(); return; }
          const n = Math.min(7000, data.length - off);
          c.write(data.subarray(off, off + n));
          off += n;
          setImmediate(step);
        };
        step();
      });
      c.on('error', reject);
      c.on('close', () => resolve());
    });
    await Promise.all([send(a), send(b)]);
    await Promise.all(closed);
    expect(used).toEqual([true, true]);
    const all = [Buffer.concat(got.get(0)!), Buffer.concat(got.get(1)!)];
    // Accept order may differ from connect order: match by length.
    all.sort((x, y) => y.length - x.length);
    expect(all[0].equals(a)).toBe(true);
    expect(all[1].equals(b)).toBe(true);
  } finally {
    server.close();
  }
});

test('TLS sockets are left to their data events', () => {
  const s = new tls.TLSSocket(new net.Socket());
  expect(readIntoShared(s, () => undefined)).toBe(false);
  s.destroy();
});

test('the server handshake keeps a copy of bytes that arrive in pieces', () => {
  const sent: Buffer[] = [];
  const h = new ServerHandshake((b) => sent.push(b));
  const shared = Buffer.alloc(4096);
  const c0c1 = Buffer.concat([Buffer.from([3]), pattern(HANDSHAKE_SIZE, 5)]);
  const c2 = pattern(HANDSHAKE_SIZE, 9);
  const chunk = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 16, 0]); // what follows C2
  const stream = Buffer.concat([c0c1, c2, chunk]);
  // Fed 1000 bytes at a time through one reused buffer, overwritten with junk after each call.
  let rest: Buffer | null = null;
  for (let off = 0; off < stream.length; off += 1000) {
    const n = Math.min(1000, stream.length - off);
    stream.copy(shared, 0, off, off + n);
    rest = h.push(shared.subarray(0, n));
    if (rest) { rest = Buffer.from(rest); break; }
    shared.fill(0xee);
  }
  expect(rest?.equals(chunk)).toBe(true);
  // S0 S1 S2: S2 echoes C1 as sent, not the junk written over the shared buffer.
  expect(sent[0].subarray(1 + HANDSHAKE_SIZE).equals(c0c1.subarray(1))).toBe(true);
});
