/**
 * RTMP client: connect + play (pull a stream) or connect + publish (push one) to
 * `rtmp://host:port/app/stream[?query]`. Used by edge pulls and forwards, and by relay pushes.
 * It shares RtmpConnection with the server side, so the same bounds and error containment apply to what
 * an upstream sends.
 *
 *   const c = new RtmpClient({ host, port, app: 'live', stream: 'cam1' });
 *   c.onMessage = (m) => ...;            // play: audio/video/data as MediaMessage
 *   c.onClose = (reason) => ...;         // once, after start() resolved or rejected
 *   await c.start('play');               // resolves on NetStream.Play.Start, rejects on refusal/timeout
 *   // publish: await c.start('publish'); c.send(m) ...; c.close('done')
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { MediaMessage } from '../../hub/types';
import { encodeChunks, mediaCsid } from './chunk-encoder';
import { RtmpCommand, RtmpConnection } from './connection';
import type { AmfObject } from './amf0';

export interface RtmpClientOptions {
  readonly host: string;
  readonly port: number;
  readonly app: string;
  readonly stream: string;
  /** Query string (without `?`) appended to the stream name, e.g. auth tokens passed through. @default '' */
  readonly query?: string;
  /** Largest message accepted from the server. @default 8388608 */
  readonly maxMessageSize?: number;
  /** Chunk size we publish with. @default 60000 */
  readonly chunkSize?: number;
  /** Milliseconds for TCP connect, handshake and the command exchange up to Play/Publish.Start. @default 10000 */
  readonly timeoutMs?: number;
  /** flashVer sent in connect (servers log it; ours marks edge links with it). @default 'rtmp-k8s' */
  readonly flashVer?: string;
  /** A publish whose unsent bytes exceed this is closed (upstream too slow). @default 16777216 */
  readonly maxBacklogBytes?: number;
  /**
   * Play: close when the server sends nothing for this long (a silently dead upstream must not hold
   * players forever). 0 disables. @default 30000
   */
  readonly idleTimeoutMs?: number;
  /**
   * RTMPS: TLS over the TCP connection (the server's certificate is verified against the system CAs, plus
   * NODE_EXTRA_CA_CERTS; SNI is the host name). @default false
   */
  readonly tls?: boolean;
  /**
   * Play: received media slabs go back to the pool when nothing holds them (slab-pool.ts). Only for a client
   * whose `onMessage` hands messages to the hub alone (an edge pull); anyone else keeping payloads must not.
   * @default false
   */
  readonly recycleSlabs?: boolean;
  /**
   * Also send the query on `connect` (app `live?q`, and in tcUrl), so the server's on_connect hook sees it too (SRS
   * token_traverse). Only for links to our own servers: platforms do not expect a query on the app. @default false
   */
  readonly queryOnConnect?: boolean;
}

export type RtmpClientMode = 'play' | 'publish';

/** `rtmp://host[:port]/app/stream[?query]` → options (port 1935 by default). */
export function parseRtmpUrl(url: string): RtmpClientOptions {
  const u = new URL(url);
  if (u.protocol !== 'rtmp:') throw new Error(`not an rtmp:// URL: ${url}`);
  const parts = u.pathname.split('/').filter(Boolean);
  if (parts.length !== 2) throw new Error(`expected rtmp://host/app/stream, got ${url}`);
  return { host: u.hostname, port: Number(u.port || 1935), app: parts[0], stream: parts[1], query: u.search.slice(1) };
}

const TX_CONNECT = 1, TX_CREATE_STREAM = 4, TX_PUBLISH_OR_PLAY = 5;

export class RtmpClient {
  /** Play mode: every audio/video/data message from the server. */
  onMessage: (m: MediaMessage) => void = () => {};
  /** Called once when the connection ends (including after a failed start). */
  onClose: (reason: string) => void = () => {};
  /** Play: the server says the stream's publisher went (`NetStream.Play.UnpublishNotify`) or came (`PublishNotify`). */
  onPublisherChange: (publishing: boolean) => void = () => {};

  private conn: RtmpConnection | null = null;
  private mode: RtmpClientMode = 'play';
  private streamId = 0;
  private started = false;
  private settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private closeReason: string | null = null;

  constructor(readonly opts: RtmpClientOptions) {}

  get url(): string { return `${this.scheme}://${this.opts.host}:${this.opts.port}/${this.opts.app}/${this.opts.stream}`; }
  private get scheme(): string { return this.opts.tls ? 'rtmps' : 'rtmp'; }
  get bytesIn(): number { return this.conn?.bytesIn ?? 0; }
  get bytesOut(): number { return this.conn?.bytesOut ?? 0; }
  get closed(): boolean { return this.closeReason !== null; }
  /** Once started: the socket, for callers that write pre-encoded chunks themselves (relay pushes attach it to the hub as a player). */
  get socket(): net.Socket | null { return this.started ? this.conn?.socket ?? null : null; }
  /** The message stream id the server's createStream gave. */
  get mediaStreamId(): number { return this.streamId; }

  /** Connects and starts playing or publishing. */
  start(mode: RtmpClientMode): Promise<void> {
    if (this.conn) return Promise.reject(new Error('RtmpClient: already started'));
    this.mode = mode;
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      let socket: net.Socket;
      try {
        socket = this.opts.tls
          ? tls.connect({ host: this.opts.host, port: this.opts.port, servername: net.isIP(this.opts.host) ? undefined : this.opts.host })
          : net.connect({ host: this.opts.host, port: this.opts.port });
      } catch (e) {
        // A bad address (port out of range...) fails like a refused connection: asynchronously, via onClose.
        setImmediate(() => this.finish(`connect failed: ${(e as Error).message}`));
        return;
      }
      const conn = new RtmpConnection(socket, {
        role: 'client', maxMessageSize: this.opts.maxMessageSize ?? 8 * 1024 * 1024, setupTimeoutMs: this.opts.timeoutMs ?? 10_000,
        recycleSlabs: this.opts.recycleSlabs,
      });
      this.conn = conn;
      socket.once(this.opts.tls ? 'secureConnect' : 'connect', () => conn.start());
      conn.onReady = () => this.sendConnect();
      conn.onCommand = (c) => this.command(c);
      conn.onMedia = (m) => {
        if (this.mode === 'play' && this.started && (m.type === 8 || m.type === 9 || m.type === 18)) {
          this.onMessage({ type: m.type, timestamp: m.timestamp, payload: m.payload });
        }
      };
      conn.onClose = (reason) => this.finish(reason);
    });
  }

  private sendConnect(): void {
    const c = this.conn!;
    c.setOutChunkSize(this.opts.chunkSize ?? 60000);
    const app = this.opts.queryOnConnect && this.opts.query ? `${this.opts.app}?${this.opts.query}` : this.opts.app;
    c.sendCommand(0, 'connect', TX_CONNECT, {
      app,
      flashVer: this.opts.flashVer ?? 'rtmp-k8s',
      tcUrl: `${this.scheme}://${this.opts.host}:${this.opts.port}/${app}`,
      fpad: false, capabilities: 15, audioCodecs: 0x0fff, videoCodecs: 0x00ff, videoFunction: 1, objectEncoding: 0,
    });
  }

  private get fullName(): string {
    return this.opts.query ? `${this.opts.stream}?${this.opts.query}` : this.opts.stream;
  }

  private command(cmd: RtmpCommand): void {
    const c = this.conn!;
    if (cmd.name === '_result' && cmd.transId === TX_CONNECT) {
      if (this.mode === 'publish') {
        c.sendCommand(0, 'releaseStream', 2, null, this.fullName);
        c.sendCommand(0, 'FCPublish', 3, null, this.fullName);
      }
      c.sendCommand(0, 'createStream', TX_CREATE_STREAM, null);
    } else if (cmd.name === '_result' && cmd.transId === TX_CREATE_STREAM) {
      this.streamId = typeof cmd.args[0] === 'number' ? cmd.args[0] >>> 0 : 1;
      if (this.mode === 'publish') {
        c.sendCommand(this.streamId, 'publish', TX_PUBLISH_OR_PLAY, null, this.fullName, 'live');
      } else {
        c.sendCommand(this.streamId, 'play', TX_PUBLISH_OR_PLAY, null, this.fullName, -2000);
        c.sendUserControl(3, 0); // SetBufferLength: some servers wait for it
      }
    } else if (cmd.name === '_error') {
      this.fail(`server refused ${cmd.transId === TX_CONNECT ? 'connect' : 'command'}: ${describe(cmd.args[0])}`);
    } else if (cmd.name === 'onStatus') {
      const info = (cmd.args[0] ?? {}) as AmfObject;
      const code = typeof info.code === 'string' ? info.code : '';
      if (info.level === 'error') return this.fail(`server status ${code}: ${describe(info)}`);
      if (!this.started && (code === 'NetStream.Play.Start' || code === 'NetStream.Publish.Start')) {
        this.started = true;
        c.established();
        const idle = this.opts.idleTimeoutMs ?? 30_000;
        if (this.mode === 'play' && idle > 0) c.socket.setTimeout(idle, () => this.fail('upstream idle'));
        this.settle?.resolve();
        this.settle = null;
      }
      // The upstream's publisher went away or came back; the link stays (a new publisher resumes it).
      if (this.started && code === 'NetStream.Play.UnpublishNotify') this.onPublisherChange(false);
      if (this.started && code === 'NetStream.Play.PublishNotify') this.onPublisherChange(true);
    }
  }

  /** Publish mode: sends one message (audio/video/data) with its absolute timestamp. */
  send(m: MediaMessage): void {
    const c = this.conn;
    if (!c || !this.started || this.mode !== 'publish' || c.closed) return;
    if (c.socket.writableLength > (this.opts.maxBacklogBytes ?? 16 * 1024 * 1024)) {
      c.fail('upstream too slow: backlog over limit');
      return;
    }
    c.write(encodeChunks(mediaCsid(m.type), m.type, this.streamId, m.timestamp, m.payload, c.outChunkSize));
  }

  close(reason = 'closed by us'): void {
    if (!this.conn) { this.finish(reason); return; }
    if (this.started && this.mode === 'publish' && !this.conn.closed) {
      this.conn.sendCommand(this.streamId, 'FCUnpublish', 6, null, this.fullName);
      this.conn.sendCommand(this.streamId, 'deleteStream', 7, null, this.streamId);
    }
    this.conn.close(reason);
  }

  private fail(reason: string): void {
    this.conn?.fail(reason);
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    if (this.settle) { this.settle.reject(new Error(reason)); this.settle = null; }
    this.onClose(reason);
  }
}

function describe(v: unknown): string {
  if (v && typeof v === 'object') {
    const o = v as AmfObject;
    return String(o.description ?? o.code ?? JSON.stringify(o)).slice(0, 200);
  }
  return String(v).slice(0, 200);
}
