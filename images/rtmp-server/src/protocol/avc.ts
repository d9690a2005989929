/**
 * H.264 in FLV (AVCC) → H.264 in MPEG-TS (Annex B).
 *
 * FLV video tag body: [FrameType<<4 | CodecID] [AVCPacketType] [CompositionTime: SI24] [data]
 * AVCPacketType 0 carries an AVCDecoderConfigurationRecord (SPS/PPS + NALU length size), 1 carries
 * length-prefixed NALUs. Every parser here checks lengths and returns null on malformed input: callers skip
 * and count, never throw.
 */

/** FLV VideoTagHeader CodecID for AVC. */
export const FLV_CODEC_AVC = 7;

/** The parsed FLV video tag header of an AVC packet. */
export interface AvcTag {
  /** FrameType 1 (keyframe). */
  readonly keyframe: boolean;
  /** 0 sequence header, 1 NALUs, 2 end of sequence. */
  readonly packetType: number;
  /** Composition time offset in ms (PTS − DTS), signed. */
  readonly cts: number;
  /** The rest of the tag body (decoder config record or length-prefixed NALUs). */
  readonly data: Buffer;
}

/** Decoder configuration: parameter sets (without start codes) and the NALU length prefix size. */
export interface AvcConfig {
  readonly sps: Buffer[];
  readonly pps: Buffer[];
  /** 1, 2 or 4 bytes. */
  readonly lengthSize: number;
}

/** Reads the 5-byte FLV AVC header; null if it is not an AVC tag or too short. */
export function parseAvcTag(body: Buffer): AvcTag | null {
  if (body.length < 5 || (body[0] & 0x0f) !== FLV_CODEC_AVC) return null;
  const cts = ((body[2] << 16) | (body[3] << 8) | body[4]) << 8 >> 8; // sign-extend SI24
  return { keyframe: body[0] >> 4 === 1, packetType: body[1], cts, data: body.subarray(5) };
}

/** Parses an AVCDecoderConfigurationRecord; null if malformed. */
export function parseAvcConfig(rec: Buffer): AvcConfig | null {
  if (rec.length < 7 || rec[0] !== 1) return null;
  const lengthSize = (rec[4] & 0x03) + 1;
  if (lengthSize === 3) return null;
  let off = 6; // after version, profile, compat, level, lengthSizeMinusOne, numOfSPS
  const take = (count: number, into: Buffer[]): boolean => {
    for (let i = 0; i < count; i++) {
      if (off + 2 > rec.length) return false;
      const len = rec.readUInt16BE(off);
      off += 2;
      if (len === 0 || off + len > rec.length) return false;
      into.push(rec.subarray(off, off + len));
      off += len;
    }
    return true;
  };
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  if (!take(rec[5] & 0x1f, sps)) return null;
  if (off >= rec.length) return null;
  const ppsCount = rec[off++];
  if (!take(ppsCount, pps)) return null;
  if (sps.length === 0 || pps.length === 0) return null;
  return { sps, pps, lengthSize };
}

/** Splits length-prefixed NALUs; null if a length runs past the buffer. */
export function splitNalus(data: Buffer, lengthSize: number): Buffer[] | null {
  const out: Buffer[] = [];
  let off = 0;
  while (off < data.length) {
    if (off + lengthSize > data.length) return null;
    const len = data.readUIntBE(off, lengthSize);
    off += lengthSize;
    if (len > data.length - off) return null;
    if (len > 0) out.push(data.subarray(off, off + len));
    off += len;
  }
  return out;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);
/** Access unit delimiter (primary_pic_type 7: any slice type); Annex B muxers put one before every frame. */
const AUD = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]);
export const NAL_SPS = 7;
export const NAL_PPS = 8;
const NAL_AUD = 9;

/**
 * One Annex B access unit as a list of slices (no copy: they point into the FLV payload and the config):
 * AUD, then (keyframes) SPS/PPS from the config unless the frame carries its own, then the frame's NALUs,
 * each after a start code. The muxer copies them straight into TS packets.
 */
export function annexBParts(nalus: Buffer[], config: AvcConfig, keyframe: boolean): { parts: Buffer[]; size: number } {
  // Plain loops: this runs for every video frame of every stream (no closures or callbacks per frame).
  let inBandSps = false;
  for (let i = 0; i < nalus.length; i++) if ((nalus[i][0] & 0x1f) === NAL_SPS) { inBandSps = true; break; }
  const parts: Buffer[] = [AUD];
  let size = AUD.length;
  if (keyframe && !inBandSps) {
    size = addNalus(parts, config.sps, size);
    size = addNalus(parts, config.pps, size);
  }
  size = addNalus(parts, nalus, size);
  return { parts, size };
}

/** Appends each NALU (but access unit delimiters: ours comes first) after a start code; returns the new size. */
function addNalus(parts: Buffer[], list: Buffer[], size: number): number {
  for (let i = 0; i < list.length; i++) {
    const n = list[i];
    if ((n[0] & 0x1f) === NAL_AUD) continue;
    parts.push(START_CODE, n);
    size += START_CODE.length + n.length;
  }
  return size;
}
