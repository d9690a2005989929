/**
 * A raw RTMP peer for hostile-input tests: it can do a correct handshake and send well-formed commands
 * (using the server's own encoders), then anything else byte by byte.
 */
import * as net from 'node:net';
import { AmfValue, encodeAmf0 } from '../../images/rtmp-server/src/protocol/rtmp/amf0';
import { encodeChunks } from '../../images/rtmp-server/src/protocol/rtmp/chunk-encoder';

export class RawRtmp {
  readonly socket: net.Socket;
  private received = Buffer.alloc(0);
  /** Resolves when the server (or we) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => { if (this.received.length < 1 << 20) this.received = Buffer.concat([this.received, d]); });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<RawRtmp> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new RawRtmp(s)));
      s.once('error', reject);
    });
  }

  get bytesReceived(): number { return this.received.length; }
  text(): string { return this.received.toString('latin1'); }

  send(b: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  /** C0+C1, wait for S0+S1+S2, C2. */
  async handshake(timeoutMs = 5000): Promise<void> {
    const c1 = Buffer.alloc(1536);
    this.send(Buffer.concat([Buffer.from([3]), c1]));
    await this.waitFor((b) => b.length >= 3073, timeoutMs);
    this.send(this.received.subarray(1, 1537));
    this.received = this.received.subarray(3073);
  }

  sendCommand(name: string, transId: number, ...values: AmfValue[]): void {
    this.send(encodeChunks(3, 20, 0, 0, encodeAmf0([name, transId, ...values]), 128));
  }

  /** A full connect to `app` (handshake first). */
  async connect(app: string): Promise<void> {
    await this.handshake();
    this.sendCommand('connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}`, flashVer: 'raw-test' });
  }

  /** Resolves true if the connection is closed within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.closed.then(() => true), new Promise<boolean>((res) => { t = setTimeout(() => res(false), ms); })]);
    clearTimeout(t);
    return r;
  }

  async waitFor(pred: (b: Buffer) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      if (Date.now() > deadline || this.socket.destroyed) throw new Error('raw RTMP: expected data did not arrive');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  destroy(): void { this.socket.destroy(); }
}
