/**
 * One media message inside the hub (itself the MediaMessage, with the timestamp players get), with its wire
 * encodings made once (lazily, per output format) and shared by every player: the fan-out never copies or
 * re-encodes per player. One object per message rather than an entry wrapping a message. Entries live for a merge
 * window at most; the GOP cache keeps its messages as rows of numbers instead (gop-cache.ts).
 */
import { encodeMediaChunks } from '../protocol/rtmp/chunk-encoder';
import { encodeFlvTag } from '../protocol/flv';
import { Slab, slabOf } from '../protocol/rtmp/slab-pool';
import type { MediaMessage } from './types';

export type OutputFormat = 'rtmp' | 'flv';

export class Entry implements MediaMessage {
  private rtmp: Buffer | null = null;
  private flv: Buffer | null = null;
  /** Containers holding this entry (merge windows); while > 0 its payload's pooled slab is held. */
  private holds = 0;
  private slab: Slab | undefined;

  constructor(
    readonly type: MediaMessage['type'],
    /** The output timestamp (rebased across publishers). */
    readonly timestamp: number,
    readonly payload: Buffer,
    /** Position in the stream (players track what they already have by it). */
    readonly seq: number,
    /** A player that skipped frames may resume here (video keyframe, codec config, metadata, audio-only frame). */
    readonly resume: boolean,
    /** Counts as a dropped frame when skipped. */
    readonly frame: boolean,
  ) {}

  bytes(format: OutputFormat, chunkSize: number): Buffer {
    if (format === 'rtmp') {
      return this.rtmp ??= encodeMediaChunks(this.type, this.timestamp, this.payload, chunkSize);
    }
    return this.flv ??= encodeFlvTag(this.type, this.timestamp, this.payload);
  }

  get size(): number { return this.payload.length; }

  /** A container keeps this entry past the push: its payload must stay valid (slab-pool.ts). */
  hold(): void {
    if (this.holds++ === 0) {
      this.slab = slabOf(this.payload);
      this.slab?.retain();
    }
  }

  /** A container let go; after the last one, `payload` may be reused (`bytes()` then must not be called). */
  drop(): void {
    if (this.holds > 0 && --this.holds === 0) {
      this.slab?.release();
      this.slab = undefined;
    }
  }
}

/** Drops every entry of a container that is being emptied. */
export function dropAll(entries: Entry[]): void {
  for (let i = 0; i < entries.length; i++) entries[i].drop();
}

/** Messages collected during one merge window, concatenated once per format for all players. */
export class Batch {
  private readonly data: Partial<Record<OutputFormat, { buf: Buffer; offsets: number[] }>> = {};

  constructor(readonly entries: Entry[], private readonly chunkSize: number) {}

  get firstSeq(): number { return this.entries[0].seq; }
  get endSeq(): number { return this.entries[0].seq + this.entries.length; }

  /** The window's bytes in `format` from entry `index` on (a view: no copy). */
  from(format: OutputFormat, index: number): Buffer {
    let d = this.data[format];
    if (!d) {
      const parts = this.entries.map((e) => e.bytes(format, this.chunkSize));
      const offsets: number[] = new Array(parts.length);
      let off = 0;
      for (let i = 0; i < parts.length; i++) { offsets[i] = off; off += parts[i].length; }
      d = { buf: parts.length === 1 ? parts[0] : Buffer.concat(parts, off), offsets };
      this.data[format] = d;
    }
    return index === 0 ? d.buf : d.buf.subarray(d.offsets[index]);
  }
}
