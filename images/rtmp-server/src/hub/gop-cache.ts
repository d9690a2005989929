/**
 * The messages since a stream's last keyframe, for players that join, kept as numbers rather than objects.
 *
 * Why not the hub's Entry objects: the cache holds each message for up to a GOP (2 s and more), past two young-
 * generation GCs at ingest rates, so V8 moved every Entry and its payload's Buffer view to the old generation, where
 * they died: 4 MB/s of old-generation garbage at 200 streams of 2.6 Mbit/s (a heap sampling profile of objects
 * collected by full GCs: 82 % were these two), collected only by full GCs, so the old generation swung between 13
 * and 55 MB. Here a message is a row of typed arrays (type, timestamp, offset, length) and an index into the
 * ArrayBuffers its payload lies in (one per slab), so the objects of a message die young.
 *
 * Payloads stay valid while cached: each pooled slab a cached payload lies in is held (slab-pool.ts) until clear().
 * A joining player's bytes are encoded on demand, once per format for each message, and kept until clear().
 */
import { encodeMediaChunks } from '../protocol/rtmp/chunk-encoder';
import { encodeFlvTag } from '../protocol/flv';
import { Slab, slabOf } from '../protocol/rtmp/slab-pool';
import type { OutputFormat } from './entry';
import type { MediaMessage } from './types';

const START_ROWS = 64;

export class GopCache {
  /** Messages cached. */
  length = 0;
  /** Their payload bytes. */
  bytes = 0;
  private types = new Uint8Array(START_ROWS);
  private timestamps = new Float64Array(START_ROWS);
  private offsets = new Uint32Array(START_ROWS);
  private lengths = new Uint32Array(START_ROWS);
  private sourceOf = new Uint32Array(START_ROWS);
  /** The ArrayBuffers payloads lie in (a slab's, or a payload's own), each listed once per run of messages in it. */
  private sources: ArrayBufferLike[] = [];
  /** Pooled slabs held for the cached payloads (one hold per run of messages in the slab). */
  private held: Slab[] = [];
  /** Encoded messages per output format, filled up to their length when a player joins. */
  private readonly encoded: Partial<Record<OutputFormat, Buffer[]>> = {};

  /** Caches `m` (type and payload from the message, `timestamp` as players get it). */
  add(m: MediaMessage, timestamp: number): void {
    const i = this.length;
    if (i === this.types.length) this.grow();
    const p = m.payload;
    const last = this.sources.length - 1;
    if (last < 0 || this.sources[last] !== p.buffer) {
      this.sources.push(p.buffer);
      const slab = slabOf(p);
      if (slab) { slab.retain(); this.held.push(slab); }
    }
    this.types[i] = m.type;
    this.timestamps[i] = timestamp;
    this.offsets[i] = p.byteOffset;
    this.lengths[i] = p.length;
    this.sourceOf[i] = this.sources.length - 1;
    this.length = i + 1;
    this.bytes += p.length;
  }

  /** Drops every message and lets go of their slabs. */
  clear(): void {
    for (let i = 0; i < this.held.length; i++) this.held[i].release();
    this.held = [];
    this.sources = [];
    this.length = 0;
    this.bytes = 0;
    this.encoded.rtmp = this.encoded.flv = undefined;
  }

  /** The cached messages encoded in `format`, appended to `out`. */
  encodeInto(out: Buffer[], format: OutputFormat, chunkSize: number): void {
    const done = (this.encoded[format] ??= []);
    for (let i = done.length; i < this.length; i++) {
      const payload = Buffer.from(this.sources[this.sourceOf[i]], this.offsets[i], this.lengths[i]);
      const ts = this.timestamps[i];
      done.push(format === 'rtmp' ? encodeMediaChunks(this.types[i], ts, payload, chunkSize) : encodeFlvTag(this.types[i], ts, payload));
    }
    for (let i = 0; i < done.length; i++) out.push(done[i]);
  }

  private grow(): void {
    const n = this.types.length * 2;
    const grown = <T extends Uint8Array | Uint32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.types = grown(this.types);
    this.timestamps = grown(this.timestamps);
    this.offsets = grown(this.offsets);
    this.lengths = grown(this.lengths);
    this.sourceOf = grown(this.sourceOf);
  }
}
