// What every bench player (RTMP or HTTP-FLV) counts, and the half-speed throttle for slow players.
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * One receive buffer for every socket in the process (`onread`): the parsers look at the bytes in place
 * and keep only a few counters, so reading costs no allocation per read.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Burst a throttled player may run ahead of its rate (bytes), so it starts like a real player with a buffer. */
const SLOW_BURST_BYTES = 256 * 1024;

/** Players paused by the throttle; the load client's ticker resumes them (see `resumeThrottled`). */
const throttled = new Set<Player>();

export abstract class Player {
  /** Bytes read from the socket, headers included. */
  bytes = 0;
  /** performance.now() when the connect started: first-frame times are measured from here. */
  readonly t0 = performance.now();
  /** ms from t0 to the first media byte (play really started), -1 until then. */
  firstMediaMs = -1;
  /** ms from t0 until the first video frame (not a sequence header) was fully received, -1 until then. */
  firstFrameMs = -1;
  /** Whether that first video frame was a keyframe. */
  firstFrameKey = false;
  /** ms from t0 until the first video keyframe was fully received, -1 until then. */
  firstKeyMs = -1;
  /** Set once the socket closed; `error` says why when it was not us. */
  closed = false;
  error = '';
  protected socket: net.Socket;
  private slowT0 = 0;
  private slowBytes0 = 0;

  /** @param slowRate bytes/s this player reads at most (0 = as fast as the server sends). */
  constructor(port: number, private readonly slowRate: number) {
    this.socket = net.connect({
      host: '127.0.0.1',
      port,
      noDelay: true,
      onread: { buffer: SHARED_READ_BUFFER, callback: (n: number, buf: Buffer) => this.onRead(buf, n) },
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('error', (e) => { if (!this.error) this.error = e.message; });
    this.socket.on('close', () => {
      this.closed = true;
      throttled.delete(this);
      if (!this.error && !this.closing) this.error = 'closed by server';
    });
  }

  private closing = false;

  close(): void {
    this.closing = true;
    throttled.delete(this);
    this.socket.destroy();
  }

  protected abstract onConnect(): void;
  /** Parses `n` bytes of `buf` from offset 0; must not keep references to `buf`. */
  protected abstract parse(buf: Buffer, n: number): void;

  private onRead(buf: Buffer, n: number): boolean {
    this.bytes += n;
    try {
      this.parse(buf, n);
    } catch (e) {
      this.fail(`parse: ${(e as Error).message}`);
      return false;
    }
    if (this.slowRate > 0 && this.firstMediaMs >= 0) return this.throttle();
    return true;
  }

  protected fail(msg: string): void {
    if (!this.error) this.error = msg;
    this.socket.destroy();
  }

  protected mediaStarted(): void {
    if (this.firstMediaMs < 0) this.firstMediaMs = performance.now() - this.t0;
  }

  /** Called once per complete video message with its first two payload bytes (FLV VIDEODATA header). */
  protected videoMessage(b0: number, b1: number): void {
    if (this.firstKeyMs >= 0) return;
    const codec = b0 & 0x0f;
    const frameType = (b0 >> 4) & 0x07;
    if ((codec === 7 || codec === 12) && b1 !== 1) return; // AVC/HEVC sequence header or end of sequence
    if (frameType === 5) return; // video info/command frame, not a picture
    const now = performance.now() - this.t0;
    if (this.firstFrameMs < 0) {
      this.firstFrameMs = now;
      this.firstFrameKey = frameType === 1;
    }
    if (frameType === 1) this.firstKeyMs = now;
  }

  /** Half-speed players: pause the socket once ahead of the allowed byte budget; the ticker resumes it. */
  private throttle(): boolean {
    const now = performance.now();
    if (this.slowT0 === 0) {
      this.slowT0 = now;
      this.slowBytes0 = this.bytes;
    }
    const allowed = SLOW_BURST_BYTES + (this.slowRate * (now - this.slowT0)) / 1000;
    if (this.bytes - this.slowBytes0 <= allowed) return true;
    throttled.add(this);
    return false; // pauses the socket
  }

  /** Resumes a throttled player whose budget has caught up. */
  maybeResume(now: number): void {
    const allowed = SLOW_BURST_BYTES + (this.slowRate * (now - this.slowT0)) / 1000;
    if (this.bytes - this.slowBytes0 <= allowed) {
      throttled.delete(this);
      this.socket.resume();
    }
  }
}

/** Runs every tick of the load client: resumes throttled players that may read again. */
export function resumeThrottled(): void {
  const now = performance.now();
  for (const p of [...throttled]) p.maybeResume(now);
}
