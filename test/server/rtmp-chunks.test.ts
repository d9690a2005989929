/**
 * The RTMP wire layer on its own: chunk encoding/decoding round trips over every split of the input,
 * header compression (types 1-3), extended timestamps, the bounds, and AMF0.
 */
import { AmfValue, decodeAmf0, encodeAmf0 } from '../../images/rtmp-server/src/protocol/rtmp/amf0';
import { ChunkDecoder, RtmpMessage } from '../../images/rtmp-server/src/protocol/rtmp/chunk-decoder';
import { encodeChunks } from '../../images/rtmp-server/src/protocol/rtmp/chunk-encoder';
import { ProtocolError } from '../../images/rtmp-server/src/protocol/rtmp/errors';

const LIMITS = { maxMessageSize: 1 << 20, maxChunkStreams: 64 };

function decodeAll(bytes: Buffer, splits: number[], chunkSize = 128): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  const d = new ChunkDecoder(LIMITS, (m) => out.push(m));
  if (chunkSize !== 128) d.setChunkSize(chunkSize);
  let pos = 0;
  for (const n of splits) { d.push(bytes.subarray(pos, pos + n)); pos += n; }
  d.push(bytes.subarray(pos));
  return out;
}

function payload(n: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
}

const MESSAGES = [
  { csid: 3, type: 20, streamId: 0, timestamp: 0, payload: payload(0, 1) },
  { csid: 4, type: 8, streamId: 1, timestamp: 23, payload: payload(1, 2) },
  { csid: 6, type: 9, streamId: 1, timestamp: 40, payload: payload(128, 3) },
  { csid: 6, type: 9, streamId: 1, timestamp: 80, payload: payload(129, 4) },
  { csid: 63, type: 9, streamId: 1, timestamp: 0xffffff, payload: payload(300, 5) },
  { csid: 64, type: 8, streamId: 7, timestamp: 0xffffffff, payload: payload(5000, 6) },
  { csid: 319, type: 18, streamId: 1, timestamp: 1, payload: payload(77, 7) },
  { csid: 320, type: 9, streamId: 1, timestamp: 2, payload: payload(70000, 8) },
  { csid: 65599, type: 8, streamId: 1, timestamp: 3, payload: payload(3, 9) },
];

test.each([128, 4096, 60000])('round trip at chunk size %i, whole and split at every byte of the small messages', (size) => {
  const bytes = Buffer.concat(MESSAGES.map((m) => encodeChunks(m.csid, m.type, m.streamId, m.timestamp, m.payload, size)));
  const expected = MESSAGES.map(({ type, streamId, timestamp, payload: p }) => ({ type, streamId, timestamp, payload: p }));
  expect(decodeAll(bytes, [], size)).toEqual(expected);
  const small = Buffer.concat(MESSAGES.slice(0, 5).map((m) => encodeChunks(m.csid, m.type, m.streamId, m.timestamp, m.payload, size)));
  for (let cut = 1; cut < small.length; cut++) {
    expect(decodeAll(small, [cut], size)).toEqual(expected.slice(0, 5));
  }
  expect(decodeAll(small, Array(small.length).fill(1), size)).toEqual(expected.slice(0, 5));
});

test('header compression: types 1, 2 and 3 carry timestamps and lengths over', () => {
  const b = Buffer.from([
    0x06, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x02, 0x09, 0x01, 0x00, 0x00, 0x00, 0xaa, 0xbb, // fmt0 ts 1000 len 2
    0x46, 0x00, 0x00, 0x28, 0x00, 0x00, 0x01, 0x08, 0xcc, // fmt1 delta 40 len 1 type 8
    0x86, 0x00, 0x00, 0x14, 0xdd, // fmt2 delta 20
    0xc6, 0xee, // fmt3: a new message, delta 20 again
  ]);
  const out = decodeAll(b, []);
  expect(out.map((m) => [m.type, m.timestamp, m.payload.toString('hex')])).toEqual([
    [9, 1000, 'aabb'], [8, 1040, 'cc'], [8, 1060, 'dd'], [8, 1080, 'ee'],
  ]);
  expect(out.every((m) => m.streamId === 1)).toBe(true);
});

test('bounds: message size, chunk stream ids, chunk size, headerless start', () => {
  const big = encodeChunks(6, 9, 1, 0, Buffer.alloc(LIMITS.maxMessageSize + 1), 60000).subarray(0, 20);
  expect(() => decodeAll(big, [])).toThrow(ProtocolError);
  const many = Buffer.concat(Array.from({ length: 65 }, (_, i) => encodeChunks(64 + i, 8, 1, 0, Buffer.from([1]), 128)));
  expect(() => decodeAll(many, [])).toThrow(/too many chunk stream ids/);
  const d = new ChunkDecoder(LIMITS, () => {});
  for (const bad of [0, -1, 0x7fffffff, 1.5]) expect(() => d.setChunkSize(bad)).toThrow(ProtocolError);
  expect(() => decodeAll(Buffer.from([0xc5, 0x00]), [])).toThrow(/without a full header/);
});

test('a lying length costs only the bytes that arrive', () => {
  const limits = { maxMessageSize: 0xffffff, maxChunkStreams: 64 };
  const head = Buffer.from([0x06, 0, 0, 0, 0xff, 0xff, 0xfe, 0x09, 1, 0, 0, 0, ...Buffer.alloc(10)]); // claims 16 MiB
  const before = process.memoryUsage().arrayBuffers;
  const out: RtmpMessage[] = [];
  // 100 connections each declaring 16 MiB: allocating up front would take 1.6 GB.
  const decoders = Array.from({ length: 100 }, () => new ChunkDecoder(limits, (m) => out.push(m)));
  for (const d of decoders) { d.setChunkSize(0xffffff); d.push(head); }
  expect(out).toEqual([]);
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
});

test('large messages: whole-size buffers within the budget, doubling past it; every payload intact', () => {
  const limits = { maxMessageSize: 8 << 20, maxChunkStreams: 64 };
  const out: RtmpMessage[] = [];
  const d = new ChunkDecoder(limits, (m) => out.push(m));
  d.setChunkSize(4096);
  // 20 chunk streams each start a 600 KB message and send its first chunk.
  const msgs = Array.from({ length: 20 }, (_, i) => payload(600_000, i));
  const encoded = msgs.map((p, i) => encodeChunks(10 + i, 9, 1, i, p, 4096));
  const firstLen = 12 + 4096;
  for (const e of encoded) d.push(e.subarray(0, firstLen));
  // One whole-size buffer fits the 1 MiB budget; the others start at 64 KiB.
  expect(d.unfilledBytes).toBeLessThanOrEqual(1024 * 1024 + 19 * (64 * 1024 - 4096));
  expect(d.unfilledBytes).toBeGreaterThan(600_000 - 4096);
  // The rest, chunk by chunk, round robin over the streams (interleaved chunk streams).
  const offs = encoded.map(() => firstLen);
  for (let left = true; left;) {
    left = false;
    encoded.forEach((e, i) => {
      if (offs[i] >= e.length) return;
      const n = Math.min(1 + 4096, e.length - offs[i]);
      d.push(e.subarray(offs[i], offs[i] + n));
      offs[i] += n;
      left = true;
    });
  }
  expect(out.map((m) => m.timestamp)).toEqual(msgs.map((_, i) => i));
  out.forEach((m, i) => expect(m.payload.equals(msgs[i])).toBe(true));
  expect(d.unfilledBytes).toBe(0);
});

test('a chunk size change between two chunks of one message; extended timestamps on type-3 continuations', () => {
  const out: RtmpMessage[] = [];
  const d = new ChunkDecoder(LIMITS, (m) => out.push(m));
  const p = payload(300, 3);
  // At 128: fmt-0 header (extended timestamp) + 128 bytes, then the peer switches to 4096 for the rest.
  const first = encodeChunks(6, 9, 1, 0x1000000, p, 128);
  const firstChunk = first.subarray(0, 12 + 4 + 128);
  const rest = Buffer.concat([Buffer.from([0xc6]), first.subarray(12, 16), p.subarray(128)]); // fmt 3 + extended ts
  d.push(firstChunk);
  d.setChunkSize(4096);
  d.push(rest);
  expect(out).toHaveLength(1);
  expect(out[0].timestamp).toBe(0x1000000);
  expect(out[0].payload.equals(p)).toBe(true);
  expect(d.unfilledBytes).toBe(0);
});

test('AMF0: our encoder round-trips through the defensive decoder', () => {
  const values: AmfValue[] = ['connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', fpad: false, n: 1.5, nested: { a: [1, 'x', null] } }, null, undefined, true];
  const decoded = decodeAmf0(encodeAmf0(values));
  expect(JSON.parse(JSON.stringify(decoded))).toEqual(JSON.parse(JSON.stringify(values)));
  // ECMA array (onMetaData) with a wrong count hint and the end marker.
  const ecma = Buffer.concat([Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x77, 0x00]), Buffer.alloc(8), Buffer.from([0, 0, 9])]);
  expect({ ...(decodeAmf0(ecma)[0] as object) }).toEqual({ w: 0 });
  expect(() => decodeAmf0(Buffer.from([0x07, 0x00, 0x01]))).toThrow(/unsupported type 0x7/);
  expect(() => decodeAmf0(Buffer.from([0x00, 0x01]))).toThrow(/runs past/);
});
