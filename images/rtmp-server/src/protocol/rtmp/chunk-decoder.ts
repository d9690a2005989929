/**
 * RTMP chunk stream → messages, with every buffer bounded: a header is at most 18 bytes, message
 * payloads are collected only as their bytes actually arrive (a lying length costs nothing until the
 * peer really sends that much), a message longer than `maxMessageSize`, too many chunk stream ids,
 * too much unfinished data, or a chunk size outside the accepted range is a ProtocolError.
 *
 * Payload assembly costs per byte, not per chunk or message: each chunk's bytes are copied once, straight to
 * their place in the message's buffer. Audio and video messages up to SLAB_SIZE are slices of a per-connection
 * slab of 32 to 128 KiB (one allocation per slab of media instead of one per frame; players never get a slab),
 * given back for reuse when `recycleSlabs` and nothing holds them any more (slab-pool.ts). Commands and
 * data take theirs from Node's shared pool. A message over SLAB_MESSAGE_MAX is whole-size at once only while the
 * connection's room allocated but not yet filled stays under UNFILLED_BUDGET; past that (or past a slab) it gets
 * a buffer of its own that grows (doubling) as the bytes arrive, so lying lengths still cost only what arrives
 * plus that budget.
 */
import { ProtocolError } from './errors';
import { Slab, SLAB_SIZE, takeSlab } from './slab-pool';

export interface RtmpMessage {
  readonly type: number;
  readonly streamId: number;
  /** Absolute timestamp in ms (32-bit wrap). */
  readonly timestamp: number;
  readonly payload: Buffer;
}

export interface ChunkLimits {
  /**
   * Audio and video slabs go back to the pool (slab-pool.ts) once nothing holds them: only for a decoder whose
   * messages go to the hub alone (its holders take holds or copy). @default false
   */
  readonly recycleSlabs?: boolean;
  /** Largest message accepted (bytes). */
  readonly maxMessageSize: number;
  /** Distinct chunk stream ids a peer may use (real encoders use a handful). */
  readonly maxChunkStreams: number;
}

export const DEFAULT_MAX_CHUNK_STREAMS = 64;

/** Per chunk stream id: the previous header (fields carry over) and the message being assembled. */
interface ChunkStream {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  /** The message being assembled (null until its first payload byte arrives). */
  buf: Buffer | null;
  /** The slab `buf` is a slice of (held until the message has been handed on). */
  slab: Slab | null;
  received: number;
}

/**
 * Audio and video up to this size are assembled in a slab at once; larger ones (up to a slab) too while the
 * connection's unfilled budget allows; past it (and past a slab, or any command or data message this large) in a
 * buffer of their own, whole-size while the budget allows, else growing as the bytes arrive.
 */
const SLAB_MESSAGE_MAX = 32 * 1024;
/** First buffer of a message over SLAB_MESSAGE_MAX past the budget; it doubles as bytes arrive, up to the message length. */
const LARGE_FIRST = 64 * 1024;
/** Bytes a connection may have allocated for messages and not yet received (whole-size buffers for large messages). */
const UNFILLED_BUDGET = 1024 * 1024;

const MESSAGE_HEADER_LENGTH = [11, 7, 3, 0];

export class ChunkDecoder {
  /** Incoming chunk size (SetChunkSize from the peer). */
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStream>();
  private readonly head = Buffer.alloc(18);
  private headLen = 0;
  /** Payload bytes still to read for the current chunk (0: reading a header). */
  private chunkRemaining = 0;
  private current: ChunkStream | null = null;
  /** Bytes of unfinished messages over all chunk streams. */
  private pendingBytes = 0;
  private slab: Slab | null = null;
  private slabUsed = 0;
  private disposed = false;
  /** Room in the messages' buffers not yet filled, over all chunk streams. */
  private unfilled = 0;

  constructor(private readonly limits: ChunkLimits, private readonly onMessage: (m: RtmpMessage) => void) {}

  /** Room allocated for unfinished messages and not yet filled (tests: the budget holds). */
  get unfilledBytes(): number { return this.unfilled; }

  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff || size > Math.max(this.limits.maxMessageSize, 65536)) {
      throw new ProtocolError(`chunk size ${size} out of range`);
    }
    this.chunkSize = size;
  }

  /** Feeds bytes from the socket; calls onMessage for each complete message (synchronously). */
  push(data: Buffer): void {
    let pos = 0;
    while (pos < data.length && !this.disposed) {
      if (this.chunkRemaining > 0) {
        pos = this.readPayload(data, pos);
      } else {
        pos = this.readHeader(data, pos);
      }
    }
  }

  private readPayload(data: Buffer, pos: number): number {
    const cs = this.current!;
    const n = Math.min(this.chunkRemaining, data.length - pos);
    let buf = cs.buf;
    if (buf === null) {
      buf = cs.buf = this.bufferFor(cs, n);
      this.unfilled += buf.length;
    } else if (cs.received + n > buf.length) {
      const before = buf.length;
      buf = cs.buf = grow(buf, cs.received, Math.min(cs.length, Math.max(buf.length * 2, cs.received + n)));
      this.unfilled += buf.length - before;
    }
    buf.set(n === data.length ? data : data.subarray(pos, pos + n), cs.received);
    cs.received += n;
    this.unfilled -= n;
    this.pendingBytes += n;
    this.chunkRemaining -= n;
    if (this.pendingBytes > 2 * this.limits.maxMessageSize) throw new ProtocolError('too much unfinished message data');
    if (cs.received === cs.length) this.complete(cs);
    return pos + n;
  }

  /** A buffer for the message of `cs` whose first `first` bytes have arrived. */
  private bufferFor(cs: ChunkStream, first: number): Buffer {
    const length = cs.length;
    // Audio and video share slabs (whole-size at once while the unfilled budget allows); commands and data are
    // parsed or copied, never kept as slices.
    if ((cs.type === 8 || cs.type === 9) && length <= SLAB_SIZE &&
        (length <= SLAB_MESSAGE_MAX || this.unfilled + length - first <= UNFILLED_BUDGET)) {
      return this.carve(cs, length);
    }
    if (length > SLAB_MESSAGE_MAX) {
      const whole = this.unfilled + length - first <= UNFILLED_BUDGET;
      return Buffer.allocUnsafeSlow(whole ? length : Math.min(length, Math.max(LARGE_FIRST, first)));
    }
    return Buffer.allocUnsafe(length);
  }

  /**
   * `length` bytes of a slab, held by the message until it has been handed on. When the current slab has no room,
   * the message goes to a fresh one (the smallest that holds it), which becomes the current slab if it has more
   * room left than the old one.
   */
  private carve(cs: ChunkStream, length: number): Buffer {
    let slab = this.slab;
    if (slab === null || this.slabUsed + length > slab.buf.length) {
      const fresh = takeSlab(this.limits.recycleSlabs === true, length);
      if (slab !== null && fresh.buf.length - length <= slab.buf.length - this.slabUsed) {
        // The old slab keeps more room: the message has the fresh one to itself (the taker's hold is its hold).
        cs.slab = fresh;
        return fresh.buf.subarray(0, length);
      }
      slab?.release();
      this.slab = slab = fresh;
      this.slabUsed = 0;
    }
    slab.retain();
    cs.slab = slab;
    const b = slab.buf.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += length;
    return b;
  }

  /** The connection is gone: its slabs are given back once their messages' other holders let go. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slab?.release();
    this.slab = null;
    for (const cs of this.streams.values()) {
      cs.slab?.release();
      cs.slab = null;
      cs.buf = null;
    }
  }

  /** Copies header bytes into `head` until the whole header is there, then applies it. */
  private readHeader(data: Buffer, pos: number): number {
    for (;;) {
      const need = this.headerLength();
      if (need <= this.headLen) break;
      if (pos >= data.length) return pos;
      const n = Math.min(need - this.headLen, data.length - pos);
      // At most 18 bytes: a loop, not Buffer.copy (which makes a view object per call, i.e. per chunk).
      const h = this.head;
      for (let i = 0; i < n; i++) h[this.headLen + i] = data[pos + i];
      this.headLen += n;
      pos += n;
    }
    this.applyHeader();
    this.headLen = 0;
    return pos;
  }

  /** Header bytes needed given what has been read so far (grows as the fields become known). */
  private headerLength(): number {
    if (this.headLen < 1) return 1;
    const h = this.head;
    const fmt = h[0] >> 6;
    const low = h[0] & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    if (this.headLen < basic) return basic;
    const len = basic + MESSAGE_HEADER_LENGTH[fmt];
    if (this.headLen < len) return len;
    let extended: boolean;
    if (fmt === 3) {
      extended = this.streams.get(this.csid(basic))?.extended ?? false;
    } else {
      extended = h.readUIntBE(basic, 3) === 0xffffff;
    }
    return extended ? len + 4 : len;
  }

  private csid(basic: number): number {
    const h = this.head;
    if (basic === 1) return h[0] & 0x3f;
    if (basic === 2) return h[1] + 64;
    return h[1] + h[2] * 256 + 64;
  }

  private applyHeader(): void {
    const h = this.head;
    const fmt = h[0] >> 6;
    const low = h[0] & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    const csid = this.csid(basic);
    let cs = this.streams.get(csid);
    if (!cs) {
      if (this.streams.size >= this.limits.maxChunkStreams) throw new ProtocolError('too many chunk stream ids');
      // Type 1 carries length and type (the timestamp then counts from 0); types 2 and 3 carry no length.
      if (fmt > 1) throw new ProtocolError(`chunk stream ${csid} starts without a full header`);
      cs = { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, buf: null, slab: null, received: 0 };
      this.streams.set(csid, cs);
    }
    const p = basic;
    if (fmt < 3 && cs.received > 0) {
      // A new header in the middle of a message: the peer abandoned it; drop what we had.
      this.pendingBytes -= cs.received;
      this.unfilled -= cs.buf!.length - cs.received;
      cs.buf = null;
      cs.slab?.release();
      cs.slab = null;
      cs.received = 0;
    }
    const starting = cs.received === 0;
    if (fmt <= 2) {
      let field = h.readUIntBE(p, 3);
      cs.extended = field === 0xffffff;
      if (cs.extended) field = h.readUInt32BE(p + MESSAGE_HEADER_LENGTH[fmt]);
      if (fmt <= 1) {
        cs.length = h.readUIntBE(p + 3, 3);
        cs.type = h[p + 6];
      }
      if (fmt === 0) {
        cs.streamId = h.readUInt32LE(p + 7);
        cs.timestamp = field;
      } else {
        cs.delta = field;
        cs.timestamp = (cs.timestamp + field) >>> 0;
      }
    } else if (starting) {
      cs.timestamp = (cs.timestamp + cs.delta) >>> 0;
    }
    if (cs.length > this.limits.maxMessageSize) {
      throw new ProtocolError(`message of ${cs.length} bytes exceeds rtmp.maxMessageSize (${this.limits.maxMessageSize})`);
    }
    this.current = cs;
    this.chunkRemaining = Math.min(this.chunkSize, cs.length - cs.received);
    if (cs.length === 0) this.complete(cs);
  }

  private complete(cs: ChunkStream): void {
    const buf = cs.buf;
    const payload = buf === null ? EMPTY : buf.length === cs.received ? buf : buf.subarray(0, cs.received);
    this.pendingBytes -= cs.received;
    if (buf !== null) this.unfilled -= buf.length - cs.received;
    cs.buf = null;
    cs.received = 0;
    this.chunkRemaining = 0;
    const slab = cs.slab;
    cs.slab = null;
    try {
      this.onMessage({ type: cs.type, streamId: cs.streamId, timestamp: cs.timestamp, payload });
    } finally {
      slab?.release(); // the payload is valid for the call; holders past it took their own hold
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** A larger buffer holding the first `used` bytes of `b`. */
function grow(b: Buffer, used: number, size: number): Buffer {
  const next = Buffer.allocUnsafeSlow(size);
  next.set(used === b.length ? b : b.subarray(0, used), 0);
  return next;
}
