// A minimal RTMP player: plain handshake, connect → createStream → play, then a chunk-stream parser that
// only tracks message boundaries (payloads are skipped in place) except for the few control and command
// messages it must act on. It acknowledges per the server's window so no server waits on it.
import { randomBytes } from 'node:crypto';
import * as amf from './amf0';
import { Player } from './player';

const HANDSHAKE_LEN = 1 + 1536 + 1536; // S0 + S1 + S2
/** Largest control/command message we buffer; anything larger is a protocol error for a player. */
const MAX_COMMAND_BYTES = 256 * 1024;
const MESSAGE_HEADER_LEN = [11, 7, 3, 0];

/** Per chunk-stream state, as the RTMP spec keeps it between chunk headers. */
interface ChunkStream {
  len: number;
  type: number;
  streamId: number;
  extTs: boolean;
  /** Bytes of the current message still to come (0 = next chunk starts a new message). */
  remaining: number;
  /** Payload of a control/command message being collected. */
  buf: Buffer | null;
  bufLen: number;
  /** First two payload bytes of a video message (FLV VIDEODATA header). */
  peek0: number;
  peek1: number;
  peekLen: number;
}

/** Chunk stream id from a basic header at b[o] whose low six bits are `raw`. */
function chunkStreamId(b: Buffer, o: number, raw: number): number {
  return raw === 0 ? 64 + b[o + 1] : raw === 1 ? 64 + b[o + 1] + b[o + 2] * 256 : raw;
}

export class RtmpPlayer extends Player {
  private handshake: Buffer | null = Buffer.alloc(HANDSHAKE_LEN);
  private handshakeLen = 0;
  private chunkSize = 128;
  private ackWindow = 0;
  private lastAck = 0;
  /** Chunk streams by id (a sparse array: ids are small in practice, and at most 64 are accepted). */
  private readonly chunkStreams: (ChunkStream | undefined)[] = [];
  private chunkStreamCount = 0;
  private readonly hdr = Buffer.alloc(18);
  private hdrLen = 0;
  private cs: ChunkStream | null = null;
  private chunkLeft = 0;

  constructor(port: number, private readonly app: string, private readonly stream: string, slowRate: number) {
    super(port, slowRate);
  }

  protected onConnect(): void {
    const c1 = randomBytes(1537);
    c1[0] = 3;
    c1.writeUInt32BE(0, 1);
    c1.writeUInt32BE(0, 5); // zero version: the plain (non-digest) handshake
    this.socket.write(c1);
  }

  protected parse(buf: Buffer, n: number): void {
    let p = 0;
    if (this.handshake) {
      const take = Math.min(n, HANDSHAKE_LEN - this.handshakeLen);
      buf.copy(this.handshake, this.handshakeLen, 0, take);
      this.handshakeLen += take;
      p = take;
      if (this.handshakeLen < HANDSHAKE_LEN) return;
      this.socket.write(this.handshake.subarray(1, 1537)); // C2 echoes S1
      this.handshake = null;
      this.sendCommand(3, 0, ['connect', 1, {
        app: this.app, flashVer: 'LNX 9,0,124,2', tcUrl: `rtmp://127.0.0.1/${this.app}`, fpad: false,
        capabilities: 15, audioCodecs: 3191, videoCodecs: 252, videoFunction: 1,
      }]);
    }
    while (p < n) {
      if (this.chunkLeft === 0) {
        p = this.readHeader(buf, p, n);
      } else {
        p = this.readPayload(buf, p, n);
      }
    }
    if (this.ackWindow > 0 && this.bytes - this.lastAck >= this.ackWindow) {
      this.lastAck = this.bytes;
      const m = Buffer.alloc(4);
      m.writeUInt32BE(this.bytes % 0x100000000);
      this.sendMessage(2, 3, 0, m);
    }
  }

  /**
   * Reads one chunk header. Fast path: the whole header is in this read, parsed in place. Otherwise its
   * bytes are collected in `hdr` across reads. Returns the new offset.
   */
  private readHeader(buf: Buffer, p: number, n: number): number {
    if (this.hdrLen === 0) {
      const len = this.headerLength(buf, p, n - p);
      if (len > 0 && len <= n - p) {
        this.applyHeader(buf, p);
        return p + len;
      }
    }
    const h = this.hdr;
    while (p < n) {
      h[this.hdrLen++] = buf[p++];
      const len = this.headerLength(h, 0, this.hdrLen);
      if (len > 0 && this.hdrLen >= len) {
        this.hdrLen = 0;
        this.applyHeader(h, 0);
        return p;
      }
    }
    return p;
  }

  /** Length of the chunk header at b[o], or 0 while too few of its bytes (`avail`) are there to tell. */
  private headerLength(b: Buffer, o: number, avail: number): number {
    const fmt = b[o] >> 6;
    const raw = b[o] & 0x3f;
    const basic = raw === 0 ? 2 : raw === 1 ? 3 : 1;
    const fixed = basic + MESSAGE_HEADER_LEN[fmt];
    if (avail < fixed) return 0;
    let ext: boolean;
    if (fmt < 3) ext = ((b[o + basic] << 16) | (b[o + basic + 1] << 8) | b[o + basic + 2]) === 0xffffff;
    else ext = this.chunkStreams[chunkStreamId(b, o, raw)]?.extTs ?? false;
    return fixed + (ext ? 4 : 0);
  }

  /** Applies a complete chunk header at b[o] to its chunk stream and starts reading the chunk's payload. */
  private applyHeader(b: Buffer, o: number): void {
    const fmt = b[o] >> 6;
    const raw = b[o] & 0x3f;
    const basic = raw === 0 ? 2 : raw === 1 ? 3 : 1;
    const csid = chunkStreamId(b, o, raw);
    let cs = this.chunkStreams[csid];
    if (!cs) {
      if (fmt === 3) throw new Error(`fmt 3 chunk on new chunk stream ${csid}`);
      if (++this.chunkStreamCount > 64) throw new Error('too many chunk streams');
      cs = { len: 0, type: 0, streamId: 0, extTs: false, remaining: 0, buf: null, bufLen: 0, peek0: 0, peek1: 0, peekLen: 0 };
      this.chunkStreams[csid] = cs;
    }
    const m = o + basic;
    if (fmt <= 1) {
      cs.len = (b[m + 3] << 16) | (b[m + 4] << 8) | b[m + 5];
      cs.type = b[m + 6];
      if (fmt === 0) cs.streamId = b.readUInt32LE(m + 7);
    }
    if (fmt < 3) cs.extTs = ((b[m] << 16) | (b[m + 1] << 8) | b[m + 2]) === 0xffffff;
    if (cs.remaining === 0) this.startMessage(cs);
    this.cs = cs;
    this.chunkLeft = Math.min(this.chunkSize, cs.remaining);
    if (cs.remaining === 0) this.endMessage(cs); // empty message
  }

  private startMessage(cs: ChunkStream): void {
    cs.remaining = cs.len;
    cs.peekLen = 0;
    const media = cs.type === 8 || cs.type === 9 || cs.type === 18 || cs.type === 22;
    if (media) {
      this.mediaStarted();
      cs.buf = null;
    } else {
      if (cs.len > MAX_COMMAND_BYTES) throw new Error(`type ${cs.type} message of ${cs.len} bytes`);
      cs.buf = Buffer.alloc(cs.len);
      cs.bufLen = 0;
    }
  }

  private readPayload(buf: Buffer, p: number, n: number): number {
    const cs = this.cs!;
    const take = Math.min(this.chunkLeft, n - p);
    if (cs.buf) {
      buf.copy(cs.buf, cs.bufLen, p, p + take);
      cs.bufLen += take;
    } else if (cs.type === 9 && cs.peekLen < 2) {
      for (let i = 0; i < take && cs.peekLen < 2; i++) {
        if (cs.peekLen++ === 0) cs.peek0 = buf[p + i];
        else cs.peek1 = buf[p + i];
      }
    }
    this.chunkLeft -= take;
    cs.remaining -= take;
    if (cs.remaining === 0) this.endMessage(cs);
    return p + take;
  }

  private endMessage(cs: ChunkStream): void {
    this.chunkLeft = 0;
    if (cs.type === 9) {
      if (cs.peekLen === 2) this.videoMessage(cs.peek0, cs.peek1);
      return;
    }
    const m = cs.buf;
    cs.buf = null;
    if (!m) return;
    switch (cs.type) {
      case 1: this.chunkSize = m.readUInt32BE(0) & 0x7fffffff; break;
      case 5: this.ackWindow = m.readUInt32BE(0); break;
      case 4: // user control: answer PingRequest (6) with PingResponse (7)
        if (m.length >= 6 && m.readUInt16BE(0) === 6) {
          const r = Buffer.alloc(6);
          r.writeUInt16BE(7);
          m.copy(r, 2, 2, 6);
          this.sendMessage(2, 4, 0, r);
        }
        break;
      case 20: this.onCommand(amf.decode(m)); break;
      default: break;
    }
  }

  private onCommand(v: amf.Amf[]): void {
    const [name, txn] = v;
    if (name === '_result' && txn === 1) {
      this.sendCommand(3, 0, ['createStream', 2, null]);
    } else if (name === '_result' && txn === 2) {
      const sid = typeof v[3] === 'number' ? v[3] : 1;
      this.sendCommand(8, sid, ['play', 3, null, this.stream]);
      const ctl = Buffer.alloc(10); // SetBufferLength(sid, 1000 ms), as ffmpeg/Flash players send
      ctl.writeUInt16BE(3);
      ctl.writeUInt32BE(sid, 2);
      ctl.writeUInt32BE(1000, 6);
      this.sendMessage(2, 4, 0, ctl);
    } else if (name === '_error') {
      this.fail(`rtmp _error: ${JSON.stringify(v[3] ?? null)}`);
    } else if (name === 'onStatus') {
      const info = v[3];
      const code = info && typeof info === 'object' ? String(info.code) : '';
      if (/Failed|NotFound|Rejected|BadName/.test(code)) this.fail(`rtmp ${code}`);
    }
  }

  private sendCommand(csid: number, streamId: number, values: amf.Amf[]): void {
    this.sendMessage(csid, 20, streamId, amf.encode(values));
  }

  /** Writes one message; ours are all shorter than the 128-byte default chunk size except connect. */
  private sendMessage(csid: number, type: number, streamId: number, payload: Buffer): void {
    const parts: Buffer[] = [];
    for (let off = 0; off < payload.length || off === 0; off += 128) {
      if (off === 0) {
        const h = Buffer.alloc(12);
        h[0] = csid;
        h.writeUIntBE(payload.length, 4, 3);
        h[7] = type;
        h.writeUInt32LE(streamId, 8);
        parts.push(h);
      } else {
        parts.push(Buffer.from([0xc0 | csid]));
      }
      parts.push(payload.subarray(off, off + 128));
      if (payload.length === 0) break;
    }
    this.socket.write(Buffer.concat(parts));
  }
}
