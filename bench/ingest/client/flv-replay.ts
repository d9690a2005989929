// An FLV file read once and made ready to replay over RTMP by many publishers: every tag's payload is
// chunked once (the chunks after the first, with their one-byte fmt-3 headers); a publisher then writes a
// 12-byte fmt-0 header of its own (its timestamp) followed by those shared bytes. So the replay costs no
// encoding and, per message, one small header.
import * as fs from 'node:fs';

export interface ReplayTag {
  readonly type: number;
  /** ms from the start of the file. */
  readonly ts: number;
  /** Sequence header or metadata: sent once, not on every loop. */
  readonly config: boolean;
  readonly size: number;
  /** The payload split at the chunk size, with fmt-3 headers between chunks (everything after the first header). */
  readonly body: Buffer;
}

export interface Replay {
  readonly tags: ReplayTag[];
  /** Duration of one loop (last timestamp + one frame), ms. */
  readonly loopMs: number;
  /** Keyframe interval (the first two video keyframes apart; the loop if there are fewer), ms. */
  readonly gopMs: number;
  readonly chunkSize: number;
}

/** Chunk stream ids as ffmpeg uses them: data/audio on 4, video on 6. */
export const csidOf = (type: number): number => (type === 9 ? 6 : 4);

function chunkBody(type: number, payload: Buffer, chunkSize: number): Buffer {
  const parts: Buffer[] = [];
  for (let off = 0; off < payload.length; off += chunkSize) {
    if (off > 0) parts.push(Buffer.from([0xc0 | csidOf(type)]));
    parts.push(payload.subarray(off, off + chunkSize));
  }
  return Buffer.concat(parts);
}

function isConfig(type: number, p: Buffer): boolean {
  if (type === 18) return true;
  if (type === 9) return (p[0] & 0x0f) === 7 && p[1] === 0;
  return p[0] >> 4 === 10 && p[1] === 0;
}

export function loadReplay(file: string, chunkSize: number): Replay {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 3) !== 'FLV') throw new Error(`${file}: not an FLV file`);
  const tags: ReplayTag[] = [];
  const keyTs: number[] = [];
  let off = buf.readUInt32BE(5) + 4;
  while (off + 11 <= buf.length) {
    const type = buf[off] & 0x1f;
    const size = buf.readUIntBE(off + 1, 3);
    const ts = (buf.readUIntBE(off + 4, 3) | (buf[off + 7] << 24)) >>> 0;
    const end = off + 11 + size;
    if (end > buf.length) break;
    const payload = buf.subarray(off + 11, end);
    if ((type === 8 || type === 9 || type === 18) && size > 0) {
      const config = isConfig(type, payload);
      if (type === 9 && !config && payload[0] >> 4 === 1) keyTs.push(ts);
      tags.push({ type, ts, config, size, body: chunkBody(type, payload, chunkSize) });
    }
    off = end + 4;
  }
  const media = tags.filter((t) => !t.config);
  if (media.length < 2) throw new Error(`${file}: too few media tags`);
  const videoTs = media.filter((t) => t.type === 9).map((t) => t.ts);
  const frame = videoTs.length > 1 ? (videoTs[videoTs.length - 1] - videoTs[0]) / (videoTs.length - 1) : 40;
  const loopMs = Math.round(media[media.length - 1].ts + frame);
  return { tags, loopMs, gopMs: keyTs.length > 1 ? keyTs[1] - keyTs[0] : loopMs, chunkSize };
}
