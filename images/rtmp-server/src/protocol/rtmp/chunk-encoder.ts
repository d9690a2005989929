/**
 * RTMP chunking of one message into one Buffer: a type-0 header (absolute timestamp, so the same bytes
 * are valid for any player whatever it received before) and type-3 continuation headers.
 */
import { CSID_AUDIO, CSID_DATA, CSID_VIDEO, MEDIA_STREAM_ID } from './constants';

function basicHeaderLength(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(buf: Buffer, pos: number, fmt: number, csid: number): number {
  if (csid < 64) { buf[pos] = (fmt << 6) | csid; return pos + 1; }
  if (csid < 320) { buf[pos] = fmt << 6; buf[pos + 1] = csid - 64; return pos + 2; }
  buf[pos] = (fmt << 6) | 1;
  buf.writeUInt16LE(csid - 64, pos + 1);
  return pos + 3;
}

/** Encodes one message as chunks of at most `chunkSize` payload bytes. */
export function encodeChunks(
  csid: number, type: number, streamId: number, timestamp: number, payload: Buffer, chunkSize: number,
): Buffer {
  const ts = timestamp >>> 0;
  const extended = ts >= 0xffffff;
  const bh = basicHeaderLength(csid);
  const ext = extended ? 4 : 0;
  const chunks = Math.max(1, Math.ceil(payload.length / chunkSize));
  const out = Buffer.allocUnsafe(bh + 11 + ext + payload.length + (chunks - 1) * (bh + ext));
  let pos = writeBasicHeader(out, 0, 0, csid);
  out.writeUIntBE(extended ? 0xffffff : ts, pos, 3);
  out.writeUIntBE(payload.length, pos + 3, 3);
  out[pos + 6] = type;
  out.writeUInt32LE(streamId, pos + 7);
  pos += 11;
  if (extended) { out.writeUInt32BE(ts, pos); pos += 4; }
  for (let off = 0; off < payload.length; off += chunkSize) {
    if (off > 0) {
      pos = writeBasicHeader(out, pos, 3, csid);
      if (extended) { out.writeUInt32BE(ts, pos); pos += 4; }
    }
    const end = Math.min(payload.length, off + chunkSize);
    pos += payload.copy(out, pos, off, end);
  }
  return out;
}

/** Chunk stream id for a media message type (audio 8, video 9, data 18). */
export function mediaCsid(type: number): number {
  return type === 8 ? CSID_AUDIO : type === 9 ? CSID_VIDEO : CSID_DATA;
}

/** Encodes a media/data message for players on MEDIA_STREAM_ID. */
export function encodeMediaChunks(type: number, timestamp: number, payload: Buffer, chunkSize: number): Buffer {
  return encodeChunks(mediaCsid(type), type, MEDIA_STREAM_ID, timestamp, payload, chunkSize);
}
