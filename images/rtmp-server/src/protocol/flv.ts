/** FLV container framing for HTTP-FLV players: file header and tags (one Buffer per tag). */

/** "FLV", version 1, audio+video flags, header length 9, then PreviousTagSize0 = 0. */
export function flvHeader(hasAudio = true, hasVideo = true): Buffer {
  const b = Buffer.from([0x46, 0x4c, 0x56, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0]);
  b[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  return b;
}

/** One tag: 11-byte header, the body, and the PreviousTagSize that follows it. */
export function encodeFlvTag(type: number, timestamp: number, payload: Buffer): Buffer {
  const ts = timestamp >>> 0;
  const out = Buffer.allocUnsafe(11 + payload.length + 4);
  out[0] = type;
  out.writeUIntBE(payload.length, 1, 3);
  out.writeUIntBE(ts & 0xffffff, 4, 3);
  out[7] = (ts >>> 24) & 0xff;
  out[8] = 0; out[9] = 0; out[10] = 0; // stream id
  payload.copy(out, 11);
  out.writeUInt32BE(11 + payload.length, 11 + payload.length);
  return out;
}
