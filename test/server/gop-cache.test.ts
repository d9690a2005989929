/**
 * The GOP cache as rows of numbers (hub/gop-cache.ts): a joining player gets exactly the bytes each message encodes
 * to, each encoded once per format; the pooled slabs its payloads lie in stay held until clear() and no longer.
 * Runs with RTMP_SERVER_POISON_SLABS=1 (test/setup-env.ts): a slab freed too early is filled with 0xEE.
 */
import { GopCache } from '../../images/rtmp-server/src/hub/gop-cache';
import type { MediaMessage } from '../../images/rtmp-server/src/hub/types';
import { encodeFlvTag } from '../../images/rtmp-server/src/protocol/flv';
import { encodeMediaChunks } from '../../images/rtmp-server/src/protocol/rtmp/chunk-encoder';
import { slabBytes, takeSlab } from '../../images/rtmp-server/src/protocol/rtmp/slab-pool';

const CHUNK = 4096;

/** `n` messages of `size` bytes, message i filled with (i % 250) + 1, carved in turn from the given buffers. */
function messages(n: number, size: number, from: Buffer[]): MediaMessage[] {
  const used = from.map(() => 0);
  return Array.from({ length: n }, (_, i) => {
    const k = i % from.length;
    const payload = from[k].subarray(used[k], used[k] + size).fill((i % 250) + 1);
    used[k] += size;
    return { type: i % 3 === 0 ? 8 : 9, timestamp: 1000 + i * 20, payload };
  });
}

test('a joiner gets every cached message encoded as the live path encodes it, in order, past the first growth', () => {
  const gop = new GopCache();
  const msgs = messages(150, 100, [Buffer.alloc(150 * 100)]); // more rows than the cache starts with
  msgs.forEach((m, i) => gop.add(m, 5000 + i));
  expect(gop.length).toBe(150);
  expect(gop.bytes).toBe(150 * 100);
  for (const format of ['rtmp', 'flv'] as const) {
    const out: Buffer[] = [];
    gop.encodeInto(out, format, CHUNK);
    expect(out.length).toBe(150);
    msgs.forEach((m, i) => {
      const want = format === 'rtmp' ? encodeMediaChunks(m.type, 5000 + i, m.payload, CHUNK) : encodeFlvTag(m.type, 5000 + i, m.payload);
      expect(out[i].equals(want)).toBe(true);
    });
  }
});

test('a later joiner reuses what an earlier one encoded and gets the messages added since; clear() starts over', () => {
  const gop = new GopCache();
  const msgs = messages(20, 50, [Buffer.alloc(2000)]);
  msgs.slice(0, 10).forEach((m) => gop.add(m, m.timestamp));
  const first: Buffer[] = [];
  gop.encodeInto(first, 'flv', CHUNK);
  msgs.slice(10).forEach((m) => gop.add(m, m.timestamp));
  const second: Buffer[] = [];
  gop.encodeInto(second, 'flv', CHUNK);
  expect(second.length).toBe(20);
  first.forEach((b, i) => expect(second[i]).toBe(b)); // the same Buffer: encoded once
  expect(second[19].equals(encodeFlvTag(msgs[19].type, msgs[19].timestamp, msgs[19].payload))).toBe(true);
  gop.clear();
  const none: Buffer[] = [];
  gop.encodeInto(none, 'flv', CHUNK);
  expect([none.length, gop.length, gop.bytes]).toEqual([0, 0, 0]);
});

test('pooled slabs stay held while their messages are cached, payloads intact, and go back at clear()', () => {
  const before = slabBytes().inUse;
  const a = takeSlab(true, 32 * 1024);
  const b = takeSlab(true, 32 * 1024);
  // Messages alternate between the two slabs: each run of messages in a slab takes a hold of its own.
  const msgs = messages(12, 1000, [a.buf, b.buf]);
  const gop = new GopCache();
  msgs.forEach((m) => gop.add(m, m.timestamp));
  a.release(); // the decoders' holds end; the cache's keep the slabs
  b.release();
  expect(slabBytes().inUse - before).toBe(a.buf.length + b.buf.length);
  const out: Buffer[] = [];
  gop.encodeInto(out, 'flv', CHUNK);
  out.forEach((tag, i) => expect(tag.subarray(11, 11 + 1000).every((x) => x === (i % 250) + 1)).toBe(true));
  gop.clear();
  expect(slabBytes().inUse).toBe(before);
});

test('a payload that is no pooled slab is kept by its memory alone (nothing to hold or release)', () => {
  const gop = new GopCache();
  const own = Buffer.from('not from a slab');
  gop.add({ type: 9, timestamp: 7, payload: own }, 7);
  const out: Buffer[] = [];
  gop.encodeInto(out, 'flv', CHUNK);
  expect(out[0].equals(encodeFlvTag(9, 7, own))).toBe(true);
  gop.clear();
});
