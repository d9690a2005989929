/** FLV container framing for HTTP-FLV players: file header and tags (one Buffer per tag). */

/** "FLV", version 1, audio+video flags, header length 9, then PreviousTagSize0 = 0. */
export function flvHeader(hasAudio = true, hasVideo = true): Buffer {
  const b = Buffer.from([0x46, 0x4c, 0x56, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0]);
  b[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  return b;
}

/** One tag: 11-byte header, the body, and the PreviousTagSize that follows it. */
export function encodeFlvTag(type: number, timestamp: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(11 + payload.length + 4);
  writeFlvTag(out, 0, type, timestamp, payload);
  return out;
}

/**
 * The same tag written into `out` at `offset` (which must have 15 + payload bytes of room); returns the offset
 * after it. Lets a writer batch many tags into one buffer with a single copy of each payload (DVR).
 */
export function writeFlvTag(out: Buffer, offset: number, type: number, timestamp: number, payload: Buffer): number {
  const ts = timestamp >>> 0;
  out[offset] = type;
  out.writeUIntBE(payload.length, offset + 1, 3);
  out.writeUIntBE(ts & 0xffffff, offset + 4, 3);
  out[offset + 7] = (ts >>> 24) & 0xff;
  out[offset + 8] = 0; out[offset + 9] = 0; out[offset + 10] = 0; // stream id
  payload.copy(out, offset + 11);
  out.writeUInt32BE(11 + payload.length, offset + 11 + payload.length);
  return offset + 15 + payload.length;
}
