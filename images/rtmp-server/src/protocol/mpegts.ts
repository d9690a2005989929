/**
 * MPEG-TS muxer for HLS: FLV tag bodies (H.264 AVCC + AAC raw) in, 188-byte TS packets out.
 *
 * One `FlvTsMuxer` per stream. `parse()` turns an FLV video/audio tag body into a frame ready to mux (Annex B
 * access unit with AUD and, on keyframes, SPS/PPS; or an ADTS frame) and keeps the sequence headers;
 * `tables()` emits PAT/PMT for the tracks configured so far (the segmenter calls it at the start of every
 * segment); `mux()` packetizes one frame as a PES. Continuity counters run on across segments.
 * Malformed payloads are skipped and counted in `skipped`; nothing here throws on bad input.
 */
import { AacConfig, ADTS_MAX_FRAME, parseAacConfig, parseAacTag, toAdts } from './aac';
import { AvcConfig, parseAvcConfig, parseAvcTag, splitNalus, toAnnexB } from './avc';

export const TS_PACKET = 188;
export const PID_PAT = 0x0000;
export const PID_PMT = 0x1000;
export const PID_VIDEO = 0x0100;
export const PID_AUDIO = 0x0101;
const STREAM_TYPE_H264 = 0x1b;
const STREAM_TYPE_AAC_ADTS = 0x0f;
const STREAM_ID_VIDEO = 0xe0;
const STREAM_ID_AUDIO = 0xc0;
/** Room reserved in front of every frame for the largest PES header (9 + PTS + DTS). */
const PES_HEADROOM = 19;
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
  /** Annex B access unit or ADTS frame, with PES_HEADROOM free bytes in front. */
  readonly data: Buffer;
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
  private readonly cc = new Map<number, number>();

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

  /** PAT + PMT for the currently configured tracks (PCR on video if there is video, else on audio). */
  tables(): Buffer {
    const { video, audio } = this.tracks;
    this.pcrPid = video ? PID_VIDEO : PID_AUDIO;
    const pat = section(0x00, 0x0001, [0x00, 0x01, 0xe0 | (PID_PMT >> 8), PID_PMT & 0xff]);
    const es: number[] = [0xe0 | (this.pcrPid >> 8), this.pcrPid & 0xff, 0xf0, 0x00];
    if (video) es.push(STREAM_TYPE_H264, 0xe0 | (PID_VIDEO >> 8), PID_VIDEO & 0xff, 0xf0, 0x00);
    if (audio) es.push(STREAM_TYPE_AAC_ADTS, 0xe0 | (PID_AUDIO >> 8), PID_AUDIO & 0xff, 0xf0, 0x00);
    const pmt = section(0x02, 0x0001, es);
    return Buffer.concat([this.psiPacket(PID_PAT, pat), this.psiPacket(PID_PMT, pmt)]);
  }

  /** One frame as a PES in TS packets. */
  mux(f: TsFrame): Buffer {
    const dts = (f.dts * 90 + PTS_OFFSET) % TS_WRAP;
    const pts = ((f.dts + f.cts) * 90 + PTS_OFFSET + TS_WRAP) % TS_WRAP;
    const pid = f.video ? PID_VIDEO : PID_AUDIO;
    const start = writePesHeader(f.data, f.video ? STREAM_ID_VIDEO : STREAM_ID_AUDIO, pts, f.video ? dts : pts, !f.video);
    const pcr = pid === this.pcrPid ? (f.dts * 90) % TS_WRAP : -1;
    return this.packetize(pid, f.data, start, pcr, f.video && f.key);
  }

  private parseVideo(ts: number, body: Buffer): TsFrame | null {
    const tag = parseAvcTag(body);
    if (!tag) return this.skip();
    if (tag.packetType === 0) {
      const cfg = parseAvcConfig(tag.data);
      if (!cfg) return this.skip();
      this.avc = cfg;
      return null;
    }
    if (tag.packetType !== 1 || !this.avc) return tag.packetType === 2 ? null : this.skip();
    const nalus = splitNalus(tag.data, this.avc.lengthSize);
    if (!nalus || nalus.length === 0) return this.skip();
    const data = toAnnexB(nalus, this.avc, tag.keyframe, PES_HEADROOM);
    return { video: true, key: tag.keyframe, dts: ts, cts: tag.cts, data };
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
    return { video: false, key: true, dts: ts, cts: 0, data: toAdts(tag.data, this.aac, PES_HEADROOM) };
  }

  private skip(): null {
    this.skipped++;
    return null;
  }

  private nextCc(pid: number): number {
    const c = this.cc.get(pid) ?? 0;
    this.cc.set(pid, (c + 1) & 0x0f);
    return c;
  }

  /** One PSI section in one packet (pointer field 0, 0xFF fill). */
  private psiPacket(pid: number, sec: Buffer): Buffer {
    const p = Buffer.alloc(TS_PACKET, 0xff);
    p[0] = 0x47;
    p[1] = 0x40 | (pid >> 8);
    p[2] = pid & 0xff;
    p[3] = 0x10 | this.nextCc(pid);
    p[4] = 0x00;
    sec.copy(p, 5);
    return p;
  }

  /**
   * Splits buf[start..] into TS packets: payload_unit_start on the first, PCR / random_access on the first when
   * asked, adaptation-field stuffing on the last.
   */
  private packetize(pid: number, buf: Buffer, start: number, pcr: number, rai: boolean): Buffer {
    const firstAf = pcr >= 0 || rai ? 2 + (pcr >= 0 ? 6 : 0) : 0;
    const len = buf.length - start;
    const firstCap = 184 - firstAf;
    const count = len <= firstCap ? 1 : 1 + Math.ceil((len - firstCap) / 184);
    const out = Buffer.allocUnsafe(count * TS_PACKET);
    let src = start;
    for (let i = 0; i < count; i++) {
      const p = i * TS_PACKET;
      const afFixed = i === 0 ? firstAf : 0;
      const cap = 184 - afFixed;
      const chunk = Math.min(cap, buf.length - src);
      const afLen = afFixed + (cap - chunk); // whole adaptation field incl. its length byte
      out[p] = 0x47;
      out[p + 1] = (i === 0 ? 0x40 : 0) | (pid >> 8);
      out[p + 2] = pid & 0xff;
      out[p + 3] = (afLen > 0 ? 0x30 : 0x10) | this.nextCc(pid);
      let o = p + 4;
      if (afLen > 0) {
        out[o] = afLen - 1;
        if (afLen > 1) {
          out[o + 1] = i === 0 ? (rai ? 0x40 : 0) | (pcr >= 0 ? 0x10 : 0) : 0;
          if (i === 0 && pcr >= 0) writePcr(out, o + 2, pcr);
          out.fill(0xff, o + Math.max(afFixed, 2), o + afLen);
        }
        o += afLen;
      }
      buf.copy(out, o, src, src + chunk);
      src += chunk;
    }
    return out;
  }
}

/** Writes the PES header into the headroom in front of the payload; returns where the PES starts. */
function writePesHeader(buf: Buffer, streamId: number, pts: number, dts: number, bounded: boolean): number {
  const withDts = dts !== pts;
  const dataLen = withDts ? 10 : 5;
  const s = PES_HEADROOM - 9 - dataLen;
  buf[s] = 0;
  buf[s + 1] = 0;
  buf[s + 2] = 1;
  buf[s + 3] = streamId;
  const pesLen = buf.length - s - 6;
  buf.writeUInt16BE(bounded && pesLen <= 0xffff ? pesLen : 0, s + 4); // 0 = unbounded (video)
  buf[s + 6] = 0x80;
  buf[s + 7] = withDts ? 0xc0 : 0x80;
  buf[s + 8] = dataLen;
  writeTimestamp(buf, s + 9, withDts ? 3 : 2, pts);
  if (withDts) writeTimestamp(buf, s + 14, 1, dts);
  return s;
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
