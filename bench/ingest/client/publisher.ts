// One RTMP publisher replaying a shared FLV (see flv-replay.ts) in real time under its own stream name:
// plain handshake, connect → createStream → publish, then, on every tick of the process-wide pacer, the
// messages that are due, in one corked write. It reads the server's few messages (acks, onStatus) with a
// small chunk parser. Misbehaving modes for the bad-input run: timestamps that jump back, 20 s stalls.
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as amf from '../../fanout/client/amf0';
import { csidOf, Replay } from './flv-replay';

export type Mode = 'normal' | 'backwards' | 'stall' | 'duplicate';

const HANDSHAKE_LEN = 1 + 1536 + 1536;
/** Timestamps start here, so a publisher that jumps back never goes below 0. */
const TS_BASE = 600_000;
/** `backwards`: every this many ms of media, timestamps jump back by BACK_JUMP_MS. */
const BACK_EVERY_MS = 8_000;
const BACK_JUMP_MS = 10_000;
/** `stall`: after STALL_AFTER_MS of sending, nothing for STALL_MS; then again, every STALL_PERIOD_MS. */
const STALL_AFTER_MS = 4_000;
const STALL_MS = 20_000;
const STALL_PERIOD_MS = 40_000;

interface InChunkStream { len: number; type: number; ts: number; buf: Buffer | null; got: number }

export class Publisher {
  state: 'connecting' | 'handshake' | 'commands' | 'publishing' | 'closed' = 'connecting';
  error = '';
  /** onStatus code of the publish answer (NetStream.Publish.Start, or the refusal). */
  status = '';
  /** Bytes handed to the socket. */
  sent = 0;
  publishingAt = -1;
  private readonly socket: net.Socket;
  private hs: Buffer | null = Buffer.alloc(HANDSHAKE_LEN);
  private hsLen = 0;
  private inBuf: Buffer = Buffer.alloc(0);
  private inChunkSize = 128;
  private readonly inStreams = new Map<number, InChunkStream>();
  private streamId = 1;
  // Replay position
  private startAt = 0;
  private idx = 0;
  private loop = 0;
  private configsSent = false;
  private stalled = false;

  constructor(port: number, private readonly app: string, readonly name: string, private readonly replay: Replay,
    readonly mode: Mode, private readonly onPublishing: (p: Publisher) => void,
    /** Media starts this long after the publish is accepted (independent encoders' GOPs do not line up). */
    private readonly phaseMs = 0) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => {
      this.state = 'handshake';
      const c1 = randomBytes(1537);
      c1[0] = 3;
      c1.writeUInt32BE(0, 1);
      c1.writeUInt32BE(0, 5);
      this.socket.write(c1);
    });
    this.socket.on('data', (d: Buffer) => {
      try { this.onData(d); } catch (e) { this.fail((e as Error).message); }
    });
    this.socket.on('error', (e) => this.fail(e.message));
    this.socket.on('close', () => this.fail('closed by server'));
  }

  /** Bytes the socket still holds in user space (the kernel's queues are read with `ss`). */
  get backlog(): number { return this.socket.writableLength; }
  get localPort(): number { return this.socket.localPort ?? 0; }

  close(): void {
    this.state = 'closed';
    this.socket.destroy();
  }

  private fail(msg: string): void {
    if (this.state === 'closed') return;
    this.error ||= msg;
    this.close();
  }

  private onData(d: Buffer): void {
    let p = 0;
    if (this.hs) {
      const take = Math.min(d.length, HANDSHAKE_LEN - this.hsLen);
      d.copy(this.hs, this.hsLen, 0, take);
      this.hsLen += take;
      p = take;
      if (this.hsLen < HANDSHAKE_LEN) return;
      this.socket.write(this.hs.subarray(1, 1537));
      this.hs = null;
      this.state = 'commands';
      this.send(3, 20, 0, amf.encode(['connect', 1, {
        app: this.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; bench)', tcUrl: `rtmp://127.0.0.1/${this.app}`,
      }]));
    }
    if (p < d.length) this.inBuf = this.inBuf.length ? Buffer.concat([this.inBuf, d.subarray(p)]) : d.subarray(p);
    this.parseIn();
  }

  /** The server sends little (controls and commands): whole chunks are parsed from a concatenated buffer. */
  private parseIn(): void {
    for (;;) {
      const b = this.inBuf;
      if (b.length < 1) return;
      const fmt = b[0] >> 6;
      let csid = b[0] & 0x3f;
      let o = 1;
      if (csid === 0) { if (b.length < 2) return; csid = 64 + b[1]; o = 2; } else if (csid === 1) { if (b.length < 3) return; csid = 64 + b[1] + b[2] * 256; o = 3; }
      const hl = [11, 7, 3, 0][fmt];
      if (b.length < o + hl) return;
      let cs = this.inStreams.get(csid);
      if (!cs) { cs = { len: 0, type: 0, ts: 0, buf: null, got: 0 }; this.inStreams.set(csid, cs); }
      let ext = false;
      if (fmt < 3) ext = b.readUIntBE(o, 3) === 0xffffff;
      if (fmt <= 1) { cs.len = b.readUIntBE(o + 3, 3); cs.type = b[o + 6]; }
      const hdr = o + hl + (ext ? 4 : 0);
      if (b.length < hdr) return;
      if (!cs.buf) { cs.buf = Buffer.alloc(cs.len); cs.got = 0; }
      const n = Math.min(this.inChunkSize, cs.len - cs.got);
      if (b.length < hdr + n) return;
      b.copy(cs.buf, cs.got, hdr, hdr + n);
      cs.got += n;
      this.inBuf = b.subarray(hdr + n);
      if (cs.got === cs.len) {
        const m = cs.buf;
        cs.buf = null;
        this.onMessage(cs.type, m);
      }
    }
  }

  private onMessage(type: number, m: Buffer): void {
    if (type === 1 && m.length >= 4) this.inChunkSize = m.readUInt32BE(0) & 0x7fffffff;
    if (type !== 20) return;
    const v = amf.decode(m);
    const [name, txn] = v;
    if (name === '_result' && txn === 1) {
      this.send(2, 1, 0, u32(this.replay.chunkSize));
      this.send(3, 20, 0, amf.encode(['releaseStream', 2, null, this.name]));
      this.send(3, 20, 0, amf.encode(['FCPublish', 3, null, this.name]));
      this.send(3, 20, 0, amf.encode(['createStream', 4, null]));
    } else if (name === '_result' && txn === 4) {
      this.streamId = typeof v[3] === 'number' ? v[3] : 1;
      this.send(4, 20, this.streamId, amf.encode(['publish', 5, null, this.name, 'live']));
    } else if (name === '_error') {
      this.fail(`_error ${JSON.stringify(v[3] ?? null).slice(0, 120)}`);
    } else if (name === 'onStatus') {
      const info = v[3];
      const code = info && typeof info === 'object' ? String(info.code) : '';
      this.status ||= code;
      if (code === 'NetStream.Publish.Start' && this.state === 'commands') {
        this.state = 'publishing';
        this.publishingAt = performance.now();
        this.startAt = this.publishingAt + this.phaseMs;
        this.onPublishing(this);
      } else if (/Fail|BadName|Reject|Unauthorized/.test(code)) {
        this.fail(`publish refused: ${code}`);
      }
    }
  }

  /** A control or command message (all fit one chunk at our 4096+ size except `connect` at 128: split it). */
  private send(csid: number, type: number, streamId: number, payload: Buffer): void {
    const parts: Buffer[] = [];
    const size = type === 1 || this.state !== 'publishing' ? 128 : this.replay.chunkSize;
    for (let off = 0; off === 0 || off < payload.length; off += size) {
      if (off === 0) parts.push(header(csid, type, streamId, 0, payload.length));
      else parts.push(Buffer.from([0xc0 | csid]));
      parts.push(payload.subarray(off, off + size));
    }
    this.write(Buffer.concat(parts));
  }

  private write(b: Buffer): void {
    this.sent += b.length;
    this.socket.write(b);
  }

  /** Sends what is due at `now` (ms, performance clock), in one corked write. Called by the pacer. */
  tick(now: number): void {
    if (this.state !== 'publishing') return;
    const { tags, loopMs } = this.replay;
    const media = now - this.startAt;
    let skip = false;
    if (this.mode === 'stall') {
      // Like an encoder behind a dead link: nothing for STALL_MS, then live again (what was due meanwhile is lost).
      const inPeriod = media % STALL_PERIOD_MS;
      if (inPeriod >= STALL_AFTER_MS && inPeriod < STALL_AFTER_MS + STALL_MS) { this.stalled = true; return; }
      skip = this.stalled;
      this.stalled = false;
    }
    let corked = false;
    while (this.state === 'publishing') {
      const t = tags[this.idx];
      if (this.configsSent && t.config) { this.advance(tags.length); continue; }
      const at = t.ts + this.loop * loopMs;
      if (at > media) break;
      if (skip) { this.advance(tags.length); continue; }
      if (!corked) { this.socket.cork(); corked = true; }
      let ts = TS_BASE + at;
      if (this.mode === 'backwards') ts -= Math.floor(at / BACK_EVERY_MS) * BACK_JUMP_MS;
      this.sent += 12 + t.body.length;
      this.socket.write(header(csidOf(t.type), t.type, this.streamId, ts, t.size));
      this.socket.write(t.body);
      this.advance(tags.length);
    }
    if (corked) this.socket.uncork();
  }

  private advance(n: number): void {
    if (++this.idx < n) return;
    this.idx = 0;
    this.loop++;
    this.configsSent = true;
  }
}

function header(csid: number, type: number, streamId: number, ts: number, len: number): Buffer {
  const h = Buffer.allocUnsafe(12);
  h[0] = csid;
  h.writeUIntBE(Math.min(ts, 0xfffffe), 1, 3);
  h.writeUIntBE(len, 4, 3);
  h[7] = type;
  h.writeUInt32LE(streamId, 8);
  return h;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
