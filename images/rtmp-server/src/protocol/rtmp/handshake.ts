/**
 * The RTMP simple handshake. S1/C1 carry zero "version" bytes, which tells ffmpeg (and librtmp) to skip
 * the digest (complex) handshake validation; it is what nginx-rtmp and SRS fall back to as well.
 */
import { randomBytes } from 'node:crypto';
import { ProtocolError } from './errors';

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;

function packet1(): Buffer {
  const p = randomBytes(HANDSHAKE_SIZE);
  p.writeUInt32BE(0, 0); // time
  p.writeUInt32BE(0, 4); // zero: simple handshake
  return p;
}

/**
 * Server side: collects C0+C1, answers S0+S1+S2, then collects C2. `push` returns the bytes left over
 * after the handshake (the first chunks) once it is done, or null while it is still going.
 */
export class ServerHandshake {
  private buf: Buffer = Buffer.alloc(0);
  private state: 'c0c1' | 'c2' | 'done' = 'c0c1';

  constructor(private readonly send: (b: Buffer) => void) {}

  /** `data` may be reused by the caller after the call (a shared read buffer): what is kept is copied. */
  push(data: Buffer): Buffer | null {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const done = this.step();
    if (done === null && this.buf.length) this.buf = Buffer.from(this.buf);
    return done;
  }

  private step(): Buffer | null {
    if (this.state === 'c0c1') {
      if (this.buf.length >= 1 && this.buf[0] !== RTMP_VERSION) {
        throw new ProtocolError(`handshake: unsupported version ${this.buf[0]}`);
      }
      if (this.buf.length < 1 + HANDSHAKE_SIZE) return null;
      const c1 = this.buf.subarray(1, 1 + HANDSHAKE_SIZE);
      this.send(Buffer.concat([Buffer.from([RTMP_VERSION]), packet1(), c1]));
      this.buf = this.buf.subarray(1 + HANDSHAKE_SIZE);
      this.state = 'c2';
    }
    if (this.buf.length < HANDSHAKE_SIZE) return null;
    this.state = 'done';
    const rest = this.buf.subarray(HANDSHAKE_SIZE);
    this.buf = Buffer.alloc(0);
    return rest;
  }
}

/** Client side: `start()` gives C0+C1; `push` collects S0+S1+S2, answers C2, returns leftover bytes when done. */
export class ClientHandshake {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly send: (b: Buffer) => void) {}

  start(): void {
    this.send(Buffer.concat([Buffer.from([RTMP_VERSION]), packet1()]));
  }

  /** As ServerHandshake.push: what is kept of `data` is copied. */
  push(data: Buffer): Buffer | null {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    if (this.buf.length >= 1 && this.buf[0] !== RTMP_VERSION) {
      throw new ProtocolError(`handshake: server answered version ${this.buf[0]}`);
    }
    if (this.buf.length < 1 + 2 * HANDSHAKE_SIZE) {
      this.buf = Buffer.from(this.buf);
      return null;
    }
    this.send(Buffer.from(this.buf.subarray(1, 1 + HANDSHAKE_SIZE))); // C2 = S1 echoed
    const rest = this.buf.subarray(1 + 2 * HANDSHAKE_SIZE);
    this.buf = Buffer.alloc(0);
    return rest;
  }
}
