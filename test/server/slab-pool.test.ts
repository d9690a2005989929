/**
 * Pooled media slabs (protocol/rtmp/slab-pool.ts): a decoder that recycles gives a slab back once the messages
 * carved from it were handed on and no hub entry holds them. The tests run with RTMP_SERVER_POISON_SLABS=1
 * (test/setup-env.ts): a freed slab is filled with 0xEE and not reused, so a payload read after its slab was
 * freed shows it. One test loads the modules without poisoning to see a freed slab reused.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MediaMessage } from '../../images/rtmp-server/src/hub/types';
import { hlsPaths } from '../../images/rtmp-server/src/hls/paths';
import { emptyHlsStats, HlsWriter } from '../../images/rtmp-server/src/hls/writer';
import { readFlvTags } from '../helpers/flv-file';
import { parsePlaylist, quietLog } from '../helpers/hls';
import { makeFlv } from '../helpers/media';
import { ChunkDecoder, RtmpMessage } from '../../images/rtmp-server/src/protocol/rtmp/chunk-decoder';
import { encodeChunks } from '../../images/rtmp-server/src/protocol/rtmp/chunk-encoder';
import { Entry } from '../../images/rtmp-server/src/hub/entry';
import { SLAB_MIN, SLAB_POISON_BYTE, SLAB_SIZE, slabBytes, slabOf } from '../../images/rtmp-server/src/protocol/rtmp/slab-pool';
import { TsBuffer } from '../../images/rtmp-server/src/protocol/mpegts';

const FRAME = 10_000; // 3 frames fill a 32 KiB slab (the smallest)
const LIMITS = { maxMessageSize: 1 << 20, maxChunkStreams: 8 };

/** RTMP chunks of `n` video messages of FRAME bytes, message i filled with the byte (i % 200) + 1. */
function videoChunks(n: number, from = 0): Buffer {
  const parts: Buffer[] = [];
  for (let i = from; i < from + n; i++) parts.push(encodeChunks(6, 9, 1, i * 40, Buffer.alloc(FRAME, (i % 200) + 1), 4096));
  return Buffer.concat(parts);
}

/** A decoder reading the 4096-byte chunks videoChunks() makes. */
function decoder(recycleSlabs: boolean, onMessage: (m: RtmpMessage) => void): ChunkDecoder {
  const d = new ChunkDecoder({ ...LIMITS, recycleSlabs }, onMessage);
  d.setChunkSize(4096);
  return d;
}

function intact(p: Buffer, i: number): boolean {
  return p.length === FRAME && p.every((b) => b === (i % 200) + 1);
}

function poisoned(p: Buffer): boolean {
  return p.every((b) => b === SLAB_POISON_BYTE);
}

test('a payload kept past onMessage without a hold is freed once the decoder has moved to another slab', () => {
  const seen: RtmpMessage[] = [];
  const d = decoder(true, (m) => seen.push(m));
  d.push(videoChunks(40));
  expect(seen).toHaveLength(40);
  expect(slabOf(seen[0].payload)).toBeUndefined(); // its slab went back: no owner any more
  expect(poisoned(seen[0].payload)).toBe(true);
  // The messages of the slab being carved from stay valid.
  expect(intact(seen[39].payload, 39)).toBe(true);
  expect(slabOf(seen[39].payload)).toBeDefined();
  d.dispose();
  expect(poisoned(seen[39].payload)).toBe(true);
});

test('an entry held by a container keeps its payload until it is dropped by every container', () => {
  const entries: Entry[] = [];
  const d = decoder(true, (m) => {
    const e = new Entry(9, m.timestamp, m.payload, entries.length, false, true);
    if (entries.length === 0) { e.hold(); e.hold(); } // the GOP cache and the merge window
    entries.push(e);
  });
  d.push(videoChunks(60));
  d.dispose();
  const first = entries[0];
  expect(intact(first.payload, 0)).toBe(true);
  // Its slab neighbours (held by nobody) are kept too: a slab goes back whole.
  expect(intact(entries[2].payload, 2)).toBe(true);
  expect(poisoned(entries[3].payload)).toBe(true);
  expect(poisoned(entries[30].payload)).toBe(true);
  first.drop();
  expect(intact(first.payload, 0)).toBe(true);
  first.drop();
  expect(poisoned(first.payload)).toBe(true);
  first.drop(); // an extra drop is ignored
});

test('a message abandoned mid-way (a new header on its chunk stream) lets go of its slab', () => {
  const seen: RtmpMessage[] = [];
  const d = decoder(true, (m) => seen.push(m));
  const whole = encodeChunks(6, 9, 1, 0, Buffer.alloc(FRAME, 7), 4096);
  d.push(whole.subarray(0, 12 + 4096)); // its first chunk: the message holds its slab
  d.push(videoChunks(30, 1)); // a type-0 header on the same chunk stream abandons it
  expect(seen.map((m) => m.timestamp)).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 40));
  expect(poisoned(seen[0].payload)).toBe(true);
  d.dispose();
});

test('a frame takes the smallest slab that holds it, which stays current only if it has more room left', () => {
  const seen: RtmpMessage[] = [];
  const whole: boolean[] = [];
  const d = decoder(true, (m) => { whole.push(m.payload.every((b) => b === seen.length + 1)); seen.push(m); });
  const sizes = [10_000, 10_000, 50_000, 10_000, 100_000, 5_000, 20_000];
  d.push(Buffer.concat(sizes.map((n, i) => encodeChunks(6, 9, 1, i * 40, Buffer.alloc(n, i + 1), 4096))));
  const bufs = seen.map((m) => m.payload.buffer);
  const slabLength = (i: number) => bufs[i].byteLength;
  expect(seen.map((m) => m.payload.length)).toEqual(sizes);
  expect(slabLength(0)).toBe(SLAB_MIN);
  expect(bufs[1]).toBe(bufs[0]);
  // 50 000 bytes: a 64 KiB slab, whose 15 536 bytes left beat the first slab's 12 768, so it becomes current.
  expect(slabLength(2)).toBe(2 * SLAB_MIN);
  expect(bufs[3]).toBe(bufs[2]);
  // 100 000 bytes: a 128 KiB slab, current now (31 072 left against 5 536).
  expect(slabLength(4)).toBe(SLAB_SIZE);
  expect(bufs[5]).toBe(bufs[4]);
  expect(bufs[6]).toBe(bufs[4]);
  expect(whole).toEqual(sizes.map(() => true));
  d.dispose();
});

test('a frame that leaves a fresh slab less room than the current one has that slab to itself', () => {
  const seen: RtmpMessage[] = [];
  const d = decoder(true, (m) => seen.push(m));
  const sizes = [20_000, 30_000, 5_000];
  d.push(Buffer.concat(sizes.map((n, i) => encodeChunks(6, 9, 1, i * 40, Buffer.alloc(n, i + 1), 4096))));
  const bufs = seen.map((m) => m.payload.buffer);
  // 30 000 bytes do not fit the first slab's 12 768 left; a fresh 32 KiB slab would keep only 2 768: the frame has it
  // to itself and the next frame goes back to the first slab.
  expect(bufs[1]).not.toBe(bufs[0]);
  expect(bufs[2]).toBe(bufs[0]);
  d.dispose();
  expect(poisoned(seen[1].payload)).toBe(true);
});

test('a TS piece replaced by a buffer of its own (a frame larger than a piece) goes back to the pool', () => {
  const before = slabBytes().inUse;
  const spilled: Buffer[] = [];
  const out = new TsBuffer(SLAB_MIN, (b) => spilled.push(b));
  expect(slabBytes().inUse).toBe(before + SLAB_MIN);
  expect(out.reserve(50_000)).toBe(0); // e.g. a keyframe's packets, reserved at once
  out.length = 50_000;
  expect(slabBytes().inUse).toBe(before);
  // Full: spilled, and the next bytes go to a fresh piece, held until given back.
  out.reserve(20_000);
  expect(spilled.map((b) => b.length)).toEqual([50_000]);
  out.recycle(spilled[0]); // not a pooled piece: ignored
  expect(slabBytes().inUse).toBe(before + SLAB_MIN);
  out.recycle(out.buf);
  expect(slabBytes().inUse).toBe(before);
});

test('a decoder that does not recycle keeps every payload for the GC', () => {
  const seen: RtmpMessage[] = [];
  const d = decoder(false, (m) => seen.push(m));
  d.push(videoChunks(40));
  d.dispose();
  expect(seen.every((m, i) => intact(m.payload, i))).toBe(true);
  expect(slabOf(seen[0].payload)).toBeUndefined();
});

test('commands and data never come from a slab, audio and video do', () => {
  const seen: RtmpMessage[] = [];
  const d = decoder(true, (m) => seen.push(m));
  d.push(Buffer.concat([
    encodeChunks(3, 20, 0, 0, Buffer.alloc(FRAME, 1), 4096),
    encodeChunks(5, 18, 1, 0, Buffer.alloc(FRAME, 2), 4096),
    encodeChunks(4, 8, 1, 0, Buffer.alloc(FRAME, 3), 4096),
    encodeChunks(6, 9, 1, 0, Buffer.alloc(FRAME, 4), 4096),
  ]));
  expect(seen.map((m) => slabOf(m.payload) !== undefined)).toEqual([false, false, true, true]);
  d.dispose();
});

test('without poisoning, a freed slab is reused, and the pool trims what goes unused', () => {
  const saved = process.env.RTMP_SERVER_POISON_SLABS;
  delete process.env.RTMP_SERVER_POISON_SLABS;
  try {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-var-requires */
      const pool = require('../../images/rtmp-server/src/protocol/rtmp/slab-pool') as typeof import('../../images/rtmp-server/src/protocol/rtmp/slab-pool');
      const dec = require('../../images/rtmp-server/src/protocol/rtmp/chunk-decoder') as typeof import('../../images/rtmp-server/src/protocol/rtmp/chunk-decoder');
      const buffers: ArrayBufferLike[] = [];
      const d = new dec.ChunkDecoder({ ...LIMITS, recycleSlabs: true }, (m) => {
        if (!buffers.includes(m.payload.buffer)) buffers.push(m.payload.buffer);
      });
      d.setChunkSize(4096);
      const slabs = (inUse: number, free: number) => ({ inUse: inUse * pool.SLAB_MIN, free: free * pool.SLAB_MIN });
      d.push(videoChunks(9)); // three slabs' worth: the third is the first one again
      expect(buffers).toHaveLength(2);
      expect(pool.slabBytes()).toEqual(slabs(1, 1));
      d.dispose();
      expect(pool.slabBytes()).toEqual(slabs(0, 2));
      // A trim gives the GC what was not taken since the last one: the first keeps both, the second none.
      pool.trimSlabsNow();
      expect(pool.slabBytes()).toEqual(slabs(0, 2));
      pool.trimSlabsNow();
      expect(pool.slabBytes()).toEqual(slabs(0, 0));
    });
  } finally {
    process.env.RTMP_SERVER_POISON_SLABS = saved;
  }
});

test('the HLS writer keeps no payload past onMessage: poisoning each payload after the call changes no byte written', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'slab-hls-'));
  try {
    const tags = readFlvTags(await makeFlv(path.join(work, 'src.flv'), 9));
    const outputs: Buffer[][] = [];
    for (const poisonAfter of [false, true]) {
      const paths = hlsPaths(path.join(work, String(poisonAfter)), 'live', 'livestream')!;
      const writer = new HlsWriter(paths, { fragmentSeconds: 1, windowSeconds: 30, cleanupDelaySeconds: 1 }, emptyHlsStats(), quietLog,
        Promise.resolve());
      for (const t of tags) {
        const payload = Buffer.from(t.payload);
        writer.onMessage({ type: t.type, timestamp: t.timestamp, payload } as MediaMessage);
        if (poisonAfter) payload.fill(SLAB_POISON_BYTE); // what a freed slab looks like in the tests
      }
      writer.end();
      await writer.flushed();
      const pl = parsePlaylist(fs.readFileSync(paths.playlist, 'utf8'));
      outputs.push(pl.segments.map((s) => fs.readFileSync(paths.file(s.name))));
      await writer.cleanup();
    }
    expect(outputs[0].length).toBeGreaterThanOrEqual(6);
    expect(outputs[1]).toEqual(outputs[0]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
