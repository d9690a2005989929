/**
 * MPEG-TS muxer for HLS: FLV tag bodies (H.264 AVCC + AAC raw) in, 188-byte TS packets out.
 *
 * One `FlvTsMuxer` per stream. `parse()` turns an FLV video/audio tag body into a frame ready to mux (Annex B
 * access unit with AUD and, on keyframes, SPS/PPS; or an ADTS frame) and keeps the sequence headers;
 * `tables()` emits PAT/PMT for the tracks configured so far (the segmenter calls it at the start of every
 * segment); `mux()` packetizes one frame as a PES. Both append to a growable `TsBuffer` (one allocation per
 * segment; a frame's bytes are copied once from the FLV payload and moved once into TS packets). Continuity counters
 * run on across segments.
 * Malformed payloads are skipped and counted in `skipped`; nothing here throws on bad input.
 */
import { SLAB_SIZE, slabOf, takeSlab } from './rtmp/slab-pool';
import { AacConfig, ADTS_MAX_FRAME, adtsHeader, parseAacConfig, parseAacTag } from './aac';
import { annexBParts, AvcConfig, parseAvcConfig, parseAvcTag, splitNalus } from './avc';

export const TS_PACKET = 188;
export const PID_PAT = 0x0000;
export const PID_PMT = 0x1000;
export const PID_VIDEO = 0x0100;
export const PID_AUDIO = 0x0101;
const STREAM_TYPE_H264 = 0x1b;
const STREAM_TYPE_AAC_ADTS = 0x0f;
const STREAM_ID_VIDEO = 0xe0;
const STREAM_ID_AUDIO = 0xc0;
/** PTS/DTS run this far (90 kHz) ahead of the PCR, so decoders have a buffer and timestamps are never < 0. */
const PTS_OFFSET = 63000; // 0.7 s, like ffmpeg's default max_delay
const TS_WRAP = 2 ** 33;

/** A frame parsed from an FLV tag, ready for `mux()`. */
export interface TsFrame {
  readonly video: boolean;
  /** Video keyframe (IDR); always true for audio (any audio frame can start a segment). */
  readonly key: boolean;
  /** Decode timestamp, ms (the FLV timestamp). */
  readonly dts: number;
  /** Composition offset, ms (PTS = dts + cts). */
  readonly cts: number;
  /** Annex B access unit or ADTS frame as slices (valid only until the caller returns: mux it at once). */
  readonly parts: Buffer[];
  readonly size: number;
}

/**
 * Pieces of a spilling TsBuffer are slabs of the media slab pool (rtmp/slab-pool.ts, 32 to 128 KiB), given back
 * once written: a stream holds the piece it is filling (and those on their way to disk), a new segment starts in
 * a reused piece, and what goes unused is given back to the GC with the pool's trim.
 */
function takePiece(capacity: number): Buffer {
  return capacity <= SLAB_SIZE ? takeSlab(true, capacity).buf : Buffer.allocUnsafeSlow(capacity);
}

/**
 * A byte buffer that TS packets are appended to (one per segment). It grows as needed; or, given a `spill`
 * callback, it hands its bytes over whenever the next write would not fit and carries on in a fresh (or
 * recycled) buffer of the same capacity, so a segment streams out in pieces instead of being held whole.
 */
export class TsBuffer {
  buf: Buffer;
  length = 0;
  /** Bytes handed to `spill` so far. */
  spilled = 0;
  private readonly capacity: number;

  constructor(capacity = 256 * 1024, private readonly spill?: (bytes: Buffer) => void) {
    this.capacity = Math.max(TS_PACKET, capacity);
    // With spill, the buffer is a pooled slab (at least `capacity`), given back through recycle().
    this.buf = spill ? takePiece(this.capacity) : Buffer.allocUnsafe(this.capacity);
  }

  /** Every byte written, spilled or not. */
  get total(): number {
    return this.spilled + this.length;
  }

  /** Makes room for `n` more bytes; returns the offset to write at (then advance `length`). */
  reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      if (this.spill && this.length > 0) {
        const full = this.buf.subarray(0, this.length);
        this.buf = takePiece(this.capacity);
        this.spilled += this.length;
        this.length = 0;
        this.spill(full);
        if (n <= this.buf.length) return 0;
      }
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      // A frame larger than a piece gets a buffer of its own; the pooled piece it replaces goes back.
      this.recycle(this.buf);
      this.buf = next;
    }
    return this.length;
  }

  /**
   * Gives back a spilled piece (or the last one, `bytes()`) once its bytes are written, for reuse by any
   * TsBuffer; the caller must not touch it afterwards, nor give it back twice. Anything else is ignored.
   */
  recycle(bytes: Buffer): void {
    if (!this.spill || bytes.byteOffset !== 0) return;
    slabOf(bytes)?.release();
  }

  /** The bytes written (and not spilled) so far (a view, no copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Which elementary streams a PMT declares. */
export interface TsTracks {
  readonly video: boolean;
  readonly audio: boolean;
}

export class FlvTsMuxer {
  /** Payloads dropped as malformed or unsupported (not H.264/AAC). */
  skipped = 0;
  private avc: AvcConfig | null = null;
  private aac: AacConfig | null = null;
  private pcrPid = PID_VIDEO;
  /** Continuity counters: video, audio, and (PAT/PMT share none: see psiCc) a slot for any other PID. */
  private readonly cc = new Uint8Array(3);
  private readonly psiCc = new Map<number, number>();

  /** Tracks whose sequence header has been seen (the PMT `tables()` would write now). */
  get tracks(): TsTracks {
    return { video: this.avc !== null, audio: this.aac !== null };
  }

  /** Parses one FLV tag body (type 8 audio, 9 video); sequence headers update state and return null. */
  parse(type: number, timestamp: number, body: Buffer): TsFrame | null {
    if (type === 9) return this.parseVideo(timestamp, body);
    if (type === 8) return this.parseAudio(timestamp, body);
    return null;
  }

  /** Appends PAT + PMT for the currently configured tracks (PCR on video if there is video, else on audio). */
  tables(out: TsBuffer): void {
    const { video, audio } = this.tracks;
    this.pcrPid = video ? PID_VIDEO : PID_AUDIO;
    const pat = section(0x00, 0x0001, [0x00, 0x01, 0xe0 | (PID_PMT >> 8), PID_PMT & 0xff]);
    const es: number[] = [0xe0 | (this.pcrPid >> 8), this.pcrPid & 0xff, 0xf0, 0x00];
    if (video) es.push(STREAM_TYPE_H264, 0xe0 | (PID_VIDEO >> 8), PID_VIDEO & 0xff, 0xf0, 0x00);
    if (audio) es.push(STREAM_TYPE_AAC_ADTS, 0xe0 | (PID_AUDIO >> 8), PID_AUDIO & 0xff, 0xf0, 0x00);
    const pmt = section(0x02, 0x0001, es);
    this.psiPacket(out, PID_PAT, pat);
    this.psiPacket(out, PID_PMT, pmt);
  }

  /** Appends one frame as a PES in TS packets. */
  mux(f: TsFrame, out: TsBuffer): void {
    const dts = (f.dts * 90 + PTS_OFFSET) % TS_WRAP;
    const pts = ((f.dts + f.cts) * 90 + PTS_OFFSET + TS_WRAP) % TS_WRAP;
    const pid = f.video ? PID_VIDEO : PID_AUDIO;
    const pcr = pid === this.pcrPid ? (f.dts * 90) % TS_WRAP : -1;
    this.packetize(out, pid, f, pts, f.video ? dts : pts, pcr);
  }

  private parseVideo(ts: number, body: Buffer): TsFrame | null {
    const tag = parseAvcTag(body);
    if (!tag) return this.skip();
    if (tag.packetType === 0) {
      // Its own copy: SPS/PPS are kept as slices, and a payload is valid only during the call (slab-pool.ts).
      const cfg = parseAvcConfig(Buffer.from(tag.data));
      if (!cfg) return this.skip();
      this.avc = cfg;
      return null;
    }
    if (tag.packetType !== 1 || !this.avc) return tag.packetType === 2 ? null : this.skip();
    const nalus = splitNalus(tag.data, this.avc.lengthSize);
    if (!nalus || nalus.length === 0) return this.skip();
    const { parts, size } = annexBParts(nalus, this.avc, tag.keyframe);
    return { video: true, key: tag.keyframe, dts: ts, cts: tag.cts, parts, size };
  }

  private parseAudio(ts: number, body: Buffer): TsFrame | null {
    const tag = parseAacTag(body);
    if (!tag) return this.skip();
    if (tag.packetType === 0) {
      const cfg = parseAacConfig(tag.data);
      if (!cfg) return this.skip();
      this.aac = cfg;
      return null;
    }
    if (tag.packetType !== 1 || !this.aac || tag.data.length === 0 || tag.data.length > ADTS_MAX_FRAME) {
      return this.skip();
    }
    const parts = [adtsHeader(tag.data.length, this.aac), tag.data];
    return { video: false, key: true, dts: ts, cts: 0, parts, size: 7 + tag.data.length };
  }

  private skip(): null {
    this.skipped++;
    return null;
  }

  private nextPsiCc(pid: number): number {
    const c = this.psiCc.get(pid) ?? 0;
    this.psiCc.set(pid, (c + 1) & 0x0f);
    return c;
  }

  /** One PSI section in one packet (pointer field 0, 0xFF fill). */
  private psiPacket(out: TsBuffer, pid: number, sec: Buffer): void {
    const p = out.reserve(TS_PACKET);
    const b = out.buf;
    b.fill(0xff, p, p + TS_PACKET);
    b[p] = 0x47;
    b[p + 1] = 0x40 | (pid >> 8);
    b[p + 2] = pid & 0xff;
    b[p + 3] = 0x10 | this.nextPsiCc(pid);
    b[p + 4] = 0x00;
    sec.copy(b, p + 5);
    out.length += TS_PACKET;
  }

  /**
   * Writes the frame as one PES (header + the frame's slices) in TS packets appended to `out`: payload_unit_start
   * on the first, PCR (when `pcr` ≥ 0) / random_access (video keyframes) on the first, adaptation-field stuffing
   * on the last.
   *
   * Cost per byte, not per packet: the PES is staged once, whole, at the end of the reserved area, then each
   * packet's payload is moved down into place with `copyWithin` (a native memmove: no view object per packet,
   * unlike `Buffer.copy` on a sub-range) and its header written in front of it. The moves never overwrite bytes
   * still to be moved: packet i's payload source lies at or after its destination, and its header lies before
   * that destination, where only earlier (already moved) payload bytes were staged.
   */
  private packetize(out: TsBuffer, pid: number, f: TsFrame, pts: number, dts: number, pcr: number): void {
    const rai = f.video && f.key;
    const parts = f.parts;
    const len = pesHeaderLength(pts, dts) + f.size;
    const firstAf = pcr >= 0 || rai ? 2 + (pcr >= 0 ? 6 : 0) : 0;
    const firstCap = 184 - firstAf;
    const count = len <= firstCap ? 1 : 1 + Math.ceil((len - firstCap) / 184);
    const base = out.reserve(count * TS_PACKET);
    const b = out.buf;
    const end = base + count * TS_PACKET;
    let src = end - len;
    let o = writePesHeader(b, src, f.video ? STREAM_ID_VIDEO : STREAM_ID_AUDIO, pts, dts, f.size, !f.video);
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k];
      b.set(part, o);
      o += part.length;
    }
    const slot = pid === PID_VIDEO ? 0 : pid === PID_AUDIO ? 1 : 2;
    let cc = this.cc[slot];
    let left = len;
    for (let i = 0; i < count; i++) {
      const p = base + i * TS_PACKET;
      const afFixed = i === 0 ? firstAf : 0;
      const cap = 184 - afFixed;
      const chunk = cap < left ? cap : left;
      const afLen = afFixed + (cap - chunk); // whole adaptation field incl. its length byte
      const dst = p + 4 + afLen;
      if (dst !== src) b.copyWithin(dst, src, src + chunk);
      b[p] = 0x47;
      b[p + 1] = (i === 0 ? 0x40 : 0) | (pid >> 8);
      b[p + 2] = pid & 0xff;
      b[p + 3] = (afLen > 0 ? 0x30 : 0x10) | cc;
      cc = (cc + 1) & 0x0f;
      if (afLen > 0) {
        const o = p + 4;
        b[o] = afLen - 1;
        if (afLen > 1) {
          b[o + 1] = i === 0 ? (rai ? 0x40 : 0) | (pcr >= 0 ? 0x10 : 0) : 0;
          if (i === 0 && pcr >= 0) writePcr(b, o + 2, pcr);
          b.fill(0xff, o + Math.max(afFixed, 2), o + afLen);
        }
      }
      src += chunk;
      left -= chunk;
    }
    this.cc[slot] = cc;
    out.length = end;
  }
}

const pesHeaderLength = (pts: number, dts: number): number => (dts !== pts ? 19 : 14);

/** Writes the PES header for a payload of `size` bytes at b[o] (length 0 = unbounded for video, as usual in TS); returns the offset after it. */
function writePesHeader(h: Buffer, o: number, streamId: number, pts: number, dts: number, size: number, bounded: boolean): number {
  const withDts = dts !== pts;
  const dataLen = withDts ? 10 : 5;
  h[o] = 0;
  h[o + 1] = 0;
  h[o + 2] = 1;
  h[o + 3] = streamId;
  const pesLen = 3 + dataLen + size;
  h.writeUInt16BE(bounded && pesLen <= 0xffff ? pesLen : 0, o + 4);
  h[o + 6] = 0x80;
  h[o + 7] = withDts ? 0xc0 : 0x80;
  h[o + 8] = dataLen;
  writeTimestamp(h, o + 9, withDts ? 3 : 2, pts);
  if (withDts) writeTimestamp(h, o + 14, 1, dts);
  return o + 9 + dataLen;
}

/** 33-bit PTS/DTS in the 5-byte marker-bit layout (arithmetic, not bit ops: values exceed 32 bits). */
function writeTimestamp(buf: Buffer, o: number, prefix: number, v: number): void {
  buf[o] = (prefix << 4) | ((Math.floor(v / 2 ** 30) & 0x07) << 1) | 1;
  const mid = Math.floor(v / 2 ** 15) & 0x7fff;
  buf[o + 1] = mid >> 7;
  buf[o + 2] = ((mid & 0x7f) << 1) | 1;
  const low = v % 2 ** 15;
  buf[o + 3] = low >> 7;
  buf[o + 4] = ((low & 0x7f) << 1) | 1;
}

/** 33-bit PCR base, extension 0. */
function writePcr(buf: Buffer, o: number, base: number): void {
  buf[o] = Math.floor(base / 2 ** 25) & 0xff;
  buf[o + 1] = Math.floor(base / 2 ** 17) & 0xff;
  buf[o + 2] = Math.floor(base / 2 ** 9) & 0xff;
  buf[o + 3] = Math.floor(base / 2) & 0xff;
  buf[o + 4] = ((base % 2) << 7) | 0x7e;
  buf[o + 5] = 0;
}

/** A PSI section (PAT/PMT): header, body, CRC-32/MPEG-2. */
function section(tableId: number, idExt: number, body: number[]): Buffer {
  const sectionLength = 5 + body.length + 4;
  const b = Buffer.alloc(3 + sectionLength);
  b[0] = tableId;
  b[1] = 0xb0 | (sectionLength >> 8);
  b[2] = sectionLength & 0xff;
  b.writeUInt16BE(idExt, 3);
  b[5] = 0xc1; // version 0, current
  b[6] = 0;
  b[7] = 0;
  Buffer.from(body).copy(b, 8);
  b.writeUInt32BE(crc32Mpeg2(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32Mpeg2(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  return crc >>> 0;
}
