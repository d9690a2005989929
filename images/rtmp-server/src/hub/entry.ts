/**
 * One media message inside the hub, with its wire encodings made once (lazily, per output format) and
 * shared by every player: the fan-out never copies or re-encodes per player.
 */
import { encodeMediaChunks } from '../protocol/rtmp/chunk-encoder';
import { encodeFlvTag } from '../protocol/flv';
import type { MediaMessage } from './types';

export type OutputFormat = 'rtmp' | 'flv';

export class Entry {
  private rtmp: Buffer | null = null;
  private flv: Buffer | null = null;

  constructor(
    readonly msg: MediaMessage,
    /** Position in the stream (players track what they already have by it). */
    readonly seq: number,
    /** A player that skipped frames may resume here (video keyframe, codec config, metadata, audio-only frame). */
    readonly resume: boolean,
    /** Counts as a dropped frame when skipped. */
    readonly frame: boolean,
  ) {}

  bytes(format: OutputFormat, chunkSize: number): Buffer {
    if (format === 'rtmp') {
      return this.rtmp ??= encodeMediaChunks(this.msg.type, this.msg.timestamp, this.msg.payload, chunkSize);
    }
    return this.flv ??= encodeFlvTag(this.msg.type, this.msg.timestamp, this.msg.payload);
  }

  get size(): number { return this.msg.payload.length; }
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
