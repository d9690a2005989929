/**
 * One RTMP connection over a socket (either side): handshake, chunk decoding, protocol control messages
 * (chunk size, acknowledgements, ping) and AMF0 command decoding. It knows nothing about streams; the
 * session above it gets commands and media through callbacks.
 *
 * This is the boundary for peer input: everything that parses what the peer sent, and every callback
 * run for it, executes inside one try/catch, so a malformed or hostile peer closes this connection
 * only and never throws into the process.
 */
import type { Socket } from 'node:net';
import { AmfValue, decodeAmf0, encodeAmf0 } from './amf0';
import { ChunkDecoder, DEFAULT_MAX_CHUNK_STREAMS, RtmpMessage } from './chunk-decoder';
import { encodeChunks } from './chunk-encoder';
import {
  CSID_COMMAND, CSID_CONTROL, CSID_DATA, MSG_ABORT, MSG_ACK, MSG_COMMAND_AMF0, MSG_COMMAND_AMF3,
  MSG_DATA_AMF0, MSG_DATA_AMF3, MSG_SET_CHUNK_SIZE, MSG_SET_PEER_BANDWIDTH, MSG_USER_CONTROL,
  MSG_WINDOW_ACK_SIZE, UC_PING_REQUEST, UC_PING_RESPONSE,
} from './constants';
import { ProtocolError } from './errors';
import { ClientHandshake, ServerHandshake } from './handshake';
import { holdAfterRead } from './read-merge';
import { readIntoShared } from './socket-reads';

export interface RtmpConnectionOptions {
  readonly role: 'server' | 'client';
  /** Largest message accepted from the peer (rtmp.maxMessageSize). */
  readonly maxMessageSize: number;
  /** Distinct chunk stream ids accepted from the peer. @default 64 */
  readonly maxChunkStreams?: number;
  /** Milliseconds allowed for the handshake and the command exchange before the session is established. @default 10000 */
  readonly setupTimeoutMs?: number;
  /**
   * Media slabs go back to the pool when nothing holds them (slab-pool.ts): only where received media goes to
   * the hub alone (a publisher's session, an edge pull). @default false
   */
  readonly recycleSlabs?: boolean;
}

/** A decoded command (connect, publish, play, _result, onStatus, ...). */
export interface RtmpCommand {
  readonly name: string;
  readonly transId: number;
  readonly cmdObj: AmfValue;
  /** Values after the command object. */
  readonly args: AmfValue[];
  readonly streamId: number;
}

export class RtmpConnection {
  /** Chunk size we send with (changed only through setOutChunkSize, which tells the peer). */
  outChunkSize = 128;
  bytesIn = 0;
  /** Set when the connection ends; the reason is logged by the session. */
  closedReason: string | null = null;

  onReady: () => void = () => {};
  onCommand: (c: RtmpCommand) => void = () => {};
  /** Audio (8), video (9) and AMF0 data (18; AMF3-wrapped data arrives unwrapped as 18). */
  onMedia: (m: RtmpMessage) => void = () => {};
  /** Called once when the connection is gone, whoever closed it. */
  onClose: (reason: string) => void = () => {};

  private handshake: ServerHandshake | ClientHandshake | null;
  private readonly decoder: ChunkDecoder;
  private peerWindow = 0;
  private lastAck = 0;
  private setupTimer: NodeJS.Timeout | null;
  /** Merged reads (read-merge.ts): 0 reads as bytes arrive. */
  private mergeReadMs = 0;
  /** Reads land in the shared buffer (plain TCP), not as 'data' events (TLS). */
  private readonly sharedReads: boolean;

  constructor(readonly socket: Socket, readonly opts: RtmpConnectionOptions) {
    const send = (b: Buffer) => this.write(b);
    this.handshake = opts.role === 'server' ? new ServerHandshake(send) : new ClientHandshake(send);
    this.decoder = new ChunkDecoder(
      {
        maxMessageSize: opts.maxMessageSize,
        maxChunkStreams: opts.maxChunkStreams ?? DEFAULT_MAX_CHUNK_STREAMS,
        recycleSlabs: opts.recycleSlabs,
      },
      (m) => this.dispatch(m),
    );
    socket.setNoDelay(true);
    this.setupTimer = setTimeout(() => this.fail('setup timeout'), opts.setupTimeoutMs ?? 10_000);
    // Plain TCP: reads land in a shared buffer (socket-reads.ts); receive() keeps nothing of it past the call.
    this.sharedReads = readIntoShared(socket, (d) => this.receive(d));
    if (!this.sharedReads) socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('error', (e) => this.finish(`socket error: ${e.message}`));
    socket.on('close', () => this.finish('peer closed'));
  }

  /** Client side: sends C0+C1. */
  start(): void {
    if (this.handshake instanceof ClientHandshake) this.handshake.start();
  }

  /**
   * From now on, reads at most once per `ms` (a publisher's socket: read-merge.ts); 0 reads as bytes arrive.
   * Plain TCP only: a 'data' socket (TLS) resumed after a hold delivers one chunk (a TLS record, at most 16 KiB)
   * before the next hold, so merging would cap an RTMPS publisher at a record per tick.
   */
  mergeReads(ms: number): void {
    this.mergeReadMs = this.sharedReads ? ms : 0;
  }

  /** The session is established: no more setup deadline. */
  established(): void {
    if (this.setupTimer) { clearTimeout(this.setupTimer); this.setupTimer = null; }
  }

  get bytesOut(): number { return this.socket.bytesWritten; }
  get closed(): boolean { return this.closedReason !== null; }

  private receive(d: Buffer): void {
    if (this.closed) return;
    this.bytesIn += d.length;
    try {
      let data: Buffer | null = d;
      if (this.handshake) {
        data = this.handshake.push(d);
        if (data === null) return;
        this.handshake = null;
        this.onReady();
      }
      if (data.length) this.decoder.push(data);
      if (this.mergeReadMs > 0 && !this.closed) holdAfterRead(this.socket, d.length, this.mergeReadMs);
      if (this.peerWindow > 0 && this.bytesIn - this.lastAck >= this.peerWindow) {
        this.lastAck = this.bytesIn;
        this.sendControl(MSG_ACK, u32(this.bytesIn >>> 0));
      }
    } catch (e) {
      this.fail(e instanceof ProtocolError ? e.message : `internal error: ${(e as Error).message}`);
    }
  }

  private dispatch(m: RtmpMessage): void {
    if (this.closed) return;
    const p = m.payload;
    switch (m.type) {
      case MSG_SET_CHUNK_SIZE:
        if (p.length < 4) throw new ProtocolError('short SetChunkSize');
        this.decoder.setChunkSize(p.readUInt32BE(0) & 0x7fffffff);
        return;
      case MSG_WINDOW_ACK_SIZE:
        if (p.length < 4) throw new ProtocolError('short WindowAckSize');
        this.peerWindow = p.readUInt32BE(0);
        return;
      case MSG_USER_CONTROL:
        if (p.length >= 6 && p.readUInt16BE(0) === UC_PING_REQUEST) {
          this.sendUserControl(UC_PING_RESPONSE, p.readUInt32BE(2));
        }
        return;
      case MSG_ABORT: case MSG_ACK: case MSG_SET_PEER_BANDWIDTH:
        return;
      case MSG_COMMAND_AMF0: case MSG_COMMAND_AMF3: {
        const values = decodeAmf0(p, m.type === MSG_COMMAND_AMF3 && p[0] === 0 ? 1 : 0);
        if (typeof values[0] !== 'string') throw new ProtocolError('command without a name');
        this.onCommand({
          name: values[0],
          transId: typeof values[1] === 'number' ? values[1] : 0,
          cmdObj: values[2] ?? null,
          args: values.slice(3),
          streamId: m.streamId,
        });
        return;
      }
      case MSG_DATA_AMF3:
        if (p.length < 1) return;
        this.onMedia({ type: MSG_DATA_AMF0, streamId: m.streamId, timestamp: m.timestamp, payload: p.subarray(1) });
        return;
      case 8: case 9: case MSG_DATA_AMF0:
        this.onMedia(m);
        return;
      default:
        return; // shared objects, aggregates, AMF3 objects: not used by encoders we serve
    }
  }

  write(b: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(b);
  }

  sendControl(type: number, payload: Buffer): void {
    this.write(encodeChunks(CSID_CONTROL, type, 0, 0, payload, this.outChunkSize));
  }

  sendUserControl(event: number, value: number): void {
    const b = Buffer.alloc(6);
    b.writeUInt16BE(event, 0);
    b.writeUInt32BE(value >>> 0, 2);
    this.sendControl(MSG_USER_CONTROL, b);
  }

  setOutChunkSize(size: number): void {
    this.sendControl(MSG_SET_CHUNK_SIZE, u32(size));
    this.outChunkSize = size;
  }

  sendWindowAckSize(size: number): void { this.sendControl(MSG_WINDOW_ACK_SIZE, u32(size)); }

  sendPeerBandwidth(size: number, limitType = 2): void {
    const b = Buffer.alloc(5);
    b.writeUInt32BE(size, 0);
    b[4] = limitType;
    this.sendControl(MSG_SET_PEER_BANDWIDTH, b);
  }

  sendCommand(streamId: number, name: string, transId: number, cmdObj: AmfValue, ...args: AmfValue[]): void {
    const payload = encodeAmf0([name, transId, cmdObj, ...args]);
    this.write(encodeChunks(CSID_COMMAND, MSG_COMMAND_AMF0, streamId, 0, payload, this.outChunkSize));
  }

  sendData(streamId: number, values: AmfValue[]): void {
    this.write(encodeChunks(CSID_DATA, MSG_DATA_AMF0, streamId, 0, encodeAmf0(values), this.outChunkSize));
  }

  /** Ends the connection after what is queued has been sent (bounded: destroyed after 2 s regardless). */
  close(reason: string): void {
    if (this.closed) return;
    this.finish(reason);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Drops the connection at once (hostile or broken peer). */
  fail(reason: string): void {
    if (this.closed) return;
    this.finish(reason);
    this.socket.destroy();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closedReason = reason;
    if (this.setupTimer) { clearTimeout(this.setupTimer); this.setupTimer = null; }
    try {
      this.onClose(reason);
    } catch {
      // a session's cleanup must not throw into the socket's event loop
    }
    this.decoder.dispose();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
