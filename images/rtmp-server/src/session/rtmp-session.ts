/**
 * An RTMP client of this server (encoder or player): the NetConnection/NetStream command dialog
 * (connect, createStream, publish, play, FCPublish, releaseStream, deleteStream, closeStream) on top of
 * RtmpConnection, wired to the hub. Names, auth and a second publisher are refused here with a status
 * the client understands, a log line, and a close.
 */
import type { Socket } from 'node:net';
import { checkPlay, checkPublish, mergeQueries } from '../auth';
import type { Player } from '../hub/player';
import type { Stream } from '../hub/stream';
import { isValidName, splitQuery } from '../hub/stream-names';
import { AUDIO, DATA, VIDEO } from '../hub/types';
import type { AmfObject } from '../protocol/rtmp/amf0';
import { EDGE_FLASH_VER, MEDIA_STREAM_ID, UC_STREAM_BEGIN, UC_STREAM_EOF, WINDOW_ACK_SIZE } from '../protocol/rtmp/constants';
import { RtmpCommand, RtmpConnection } from '../protocol/rtmp/connection';
import type { SessionContext, UpstreamPublish } from './context';
import type { ForwardHandle } from '../forward/forwarder';
import { HookClient, SRS_ACTION } from '../hooks/srs-body';
import { IdleSweep } from './idle-sweep';

/** Publishers that send nothing for this long are dropped (players may stay silent); checked every 2 s. */
const PUBLISH_IDLE_MS = 30_000;
/** Commands kept while the connect hook is asked; a client sending more is refused. */
const MAX_HELD_COMMANDS = 16;
const publishIdle = new IdleSweep(PUBLISH_IDLE_MS, 2000);

export class RtmpSession {
  readonly id: string;
  readonly ip: string;
  readonly conn: RtmpConnection;
  private app = '';
  private appQuery = new URLSearchParams();
  private tcUrl = '';
  private agent = '';
  private role: 'publish' | 'play' | null = null;
  private streamName = '';
  private stream: Stream | null = null;
  private player: Player | null = null;
  private upstream: UpstreamPublish | null = null;
  /** The merged query of the publish/play (hooks' `param`, forward `[param]`). */
  private query = '';
  /** While the connect hook is asked: commands that came meanwhile (clients may pipeline), replayed on success. */
  private held: RtmpCommand[] | null = null;
  private forwards: ForwardHandle | null = null;
  /** What the hooks were told at the start of the publish/play, for the matching end notification. */
  private hooked: HookClient | null = null;
  private unwatchIdle: (() => void) | null = null;
  private readonly startedAt = Date.now();

  constructor(socket: Socket, private readonly ctx: SessionContext) {
    this.id = ctx.hub.newClientId();
    this.ip = socket.remoteAddress ?? '';
    // Recycled slabs: a publisher's media goes to the hub (which holds slabs) and upstream (encoded at once).
    this.conn = new RtmpConnection(socket, { role: 'server', maxMessageSize: ctx.settings().maxMessageSize, recycleSlabs: true });
    this.conn.onCommand = (c) => this.command(c);
    this.conn.onMedia = (m) => {
      if (this.role !== 'publish' || !this.stream) return;
      if (m.type !== AUDIO && m.type !== VIDEO && m.type !== DATA) return;
      this.stream.push(m as { type: typeof AUDIO; timestamp: number; payload: Buffer });
      this.upstream?.send(m as { type: typeof AUDIO; timestamp: number; payload: Buffer });
    };
    this.conn.onClose = (reason) => this.closed(reason);
  }

  private fields(): Record<string, unknown> {
    return { client: this.id, ip: this.ip, app: this.app || undefined, stream: this.streamName || undefined };
  }

  /** Refuses what the client asked for: a status it understands, a log line, then a close. */
  private reject(reason: string, sendStatus?: () => void): void {
    this.ctx.hub.countRejected();
    this.ctx.log.warn({ event: 'reject', ...this.fields(), reason }, `refused: ${reason}`);
    sendStatus?.();
    this.conn.close(`rejected: ${reason}`);
  }

  private command(c: RtmpCommand): void {
    if (this.held) {
      if (this.held.length < MAX_HELD_COMMANDS) this.held.push(c);
      else this.reject('too many commands before connect was answered');
      return;
    }
    switch (c.name) {
      case 'connect': return this.connect(c);
      case 'createStream': return this.conn.sendCommand(0, '_result', c.transId, null, MEDIA_STREAM_ID);
      case 'releaseStream': case 'FCPublish':
        return this.conn.sendCommand(0, '_result', c.transId, null, undefined);
      case 'getStreamLength': // ffmpeg players ask; a number (0: live) is what they expect
        return this.conn.sendCommand(0, '_result', c.transId, null, 0);
      case 'publish': return this.publish(c);
      case 'play': return this.play(c);
      case 'FCUnpublish': case 'deleteStream': case 'closeStream':
        return this.stopRole('client stopped');
      default: return; // pause, receiveAudio, _checkbw...: nothing to do
    }
  }

  private connect(c: RtmpCommand): void {
    if (this.app) return this.reject('second connect');
    const o = (c.cmdObj ?? {}) as AmfObject;
    // Some encoders send the app with a trailing slash ('live/'); anything else with a slash is refused.
    const { name, query } = splitQuery(typeof o.app === 'string' ? o.app.replace(/\/+(\?|$)/, '$1') : '');
    this.app = name.slice(0, 200);
    if (!isValidName(name)) {
      return this.reject('invalid app name', () => this.conn.sendCommand(0, '_error', c.transId, null, {
        level: 'error', code: 'NetConnection.Connect.Rejected', description: 'invalid app name',
      }));
    }
    this.appQuery = query;
    this.tcUrl = typeof o.tcUrl === 'string' ? o.tcUrl.slice(0, 512) : '';
    this.agent = typeof o.flashVer === 'string' ? o.flashVer.slice(0, 64) : '';
    const hooks = this.ctx.hooks;
    if (!hooks?.has('onConnect')) return this.accept(c);
    this.held = [];
    this.query = query.toString();
    void hooks.gate('onConnect', this.hookClient()).then((g) => {
      const held = this.held ?? [];
      this.held = null;
      if (this.conn.closed) return;
      if (!g.allowed) {
        return this.reject(g.reason, () => this.conn.sendCommand(0, '_error', c.transId, null, {
          level: 'error', code: 'NetConnection.Connect.Rejected', description: 'denied by on_connect',
        }));
      }
      this.accept(c);
      for (const h of held) if (!this.conn.closed) this.command(h);
    }).catch((e: Error) => this.conn.fail(`internal error: ${e.message}`)); // never an unhandled rejection
  }

  /** The hooks' view of this client now. */
  private hookClient(): HookClient {
    return {
      id: this.id, ip: this.ip, app: this.app, stream: this.streamName, query: this.query, tcUrl: this.tcUrl,
      streamId: this.streamName ? this.ctx.hub.stream(this.app, this.streamName)?.id : undefined,
    };
  }

  /** Answers connect with success. */
  private accept(c: RtmpCommand): void {
    const s = this.ctx.settings();
    this.conn.sendWindowAckSize(WINDOW_ACK_SIZE);
    this.conn.sendPeerBandwidth(WINDOW_ACK_SIZE, 2);
    this.conn.setOutChunkSize(s.chunkSize);
    this.conn.sendCommand(0, '_result', c.transId,
      { fmsVer: 'FMS/3,5,3,888', capabilities: 127, mode: 1 },
      { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 });
  }

  private status(level: string, code: string, description: string): void {
    this.conn.sendCommand(MEDIA_STREAM_ID, 'onStatus', 0, null, { level, code, description });
  }

  /** Validates the stream name from publish/play; returns its query or null after refusing. */
  private nameOf(c: RtmpCommand, code: string): URLSearchParams | null {
    if (!this.app) { this.reject('publish/play before connect'); return null; }
    if (this.role) { this.reject('second publish/play on one connection'); return null; }
    const raw = typeof c.args[0] === 'string' ? c.args[0] : '';
    const { name, query } = splitQuery(raw);
    this.streamName = name.slice(0, 200);
    if (!isValidName(name)) {
      this.reject('invalid stream name', () => this.status('error', code, 'invalid stream name'));
      return null;
    }
    return mergeQueries(this.appQuery, query);
  }

  private publish(c: RtmpCommand): void {
    const query = this.nameOf(c, 'NetStream.Publish.BadName');
    if (!query) return;
    const denied = checkPublish(this.ctx.settings().auth, this.app, this.streamName, query);
    if (denied) return this.reject(denied, () => this.status('error', 'NetStream.Publish.Unauthorized', denied));
    if (this.ctx.hub.stream(this.app, this.streamName)?.publisher) {
      return this.reject('stream already publishing', () => this.status('error', 'NetStream.Publish.BadName', 'stream is already publishing'));
    }
    this.role = 'publish';
    this.query = query.toString();
    // An edge's publish is decided (and forwarded) by the origin it goes to, with the query passed through.
    if (!this.ctx.publishUpstream) return this.admitPublish();
    this.ctx.publishUpstream(this.app, this.streamName, query.toString()).then((up) => {
      if (this.conn.closed) { up.close('publisher left'); return; }
      this.upstream = up;
      up.onClose = (reason) => this.conn.close(`upstream publish ended: ${reason}`);
      this.startPublish();
    }, (e: Error) => {
      this.role = null;
      this.reject(`upstream publish failed: ${e.message}`, () => this.status('error', 'NetStream.Publish.BadName', 'upstream refused'));
    }).catch((e: Error) => this.conn.fail(`internal error: ${e.message}`)); // never an unhandled rejection
  }

  /** Asks the onPublish hook (when set), then publishes with the forward URLs it answered. */
  private admitPublish(): void {
    this.afterGate('onPublish', 'NetStream.Publish.Unauthorized', (urls) => this.startPublish(urls));
  }

  /** Asks the `event` hook (when set): a denial refuses with status `code`; else `next` runs with the answer's URLs. */
  private afterGate(event: 'onPublish' | 'onPlay', code: string, next: (urls: string[]) => void): void {
    const hooks = this.ctx.hooks;
    if (!hooks?.has(event)) return next([]);
    hooks.gate(event, this.hookClient()).then((g) => {
      if (this.conn.closed) return;
      if (g.allowed) return next(g.urls);
      this.role = null;
      this.reject(g.reason, () => this.status('error', code, `denied by ${SRS_ACTION[event]}`));
    }).catch((e: Error) => this.conn.fail(`internal error: ${e.message}`));
  }

  private startPublish(forwardUrls: string[] = []): void {
    if (this.conn.closed) return;
    const stream = this.ctx.hub.publish(this.app, this.streamName, {
      id: this.id, kind: 'rtmp-publish', ip: this.ip,
      close: (reason) => this.conn.close(reason),
      recvBytes: () => this.conn.bytesIn,
      sendBytes: () => this.conn.bytesOut,
      tcUrl: this.tcUrl,
    });
    if (!stream) {
      this.upstream?.close('local stream busy');
      return this.reject('stream already publishing', () => this.status('error', 'NetStream.Publish.BadName', 'stream is already publishing'));
    }
    this.stream = stream;
    if (this.ctx.hooks && !this.ctx.publishUpstream) {
      this.hooked = this.hookClient();
      this.ctx.hooks.published(this.hooked);
    }
    if (this.ctx.forwarder && !this.upstream) {
      this.forwards = this.ctx.forwarder.start({ app: this.app, stream: this.streamName, param: this.query }, forwardUrls);
    }
    this.conn.established();
    this.conn.mergeReads(this.ctx.settings().mergeReadMs);
    this.unwatchIdle = publishIdle.watch(() => this.conn.bytesIn, () => this.conn.fail('publisher idle'));
    this.ctx.hub.countAccepted();
    this.status('status', 'NetStream.Publish.Start', `${this.streamName} is now published.`);
    this.ctx.log.info({ event: 'publish', kind: 'rtmp-publish', ...this.fields(), agent: this.agent }, 'publish started');
  }

  private play(c: RtmpCommand): void {
    const query = this.nameOf(c, 'NetStream.Play.StreamNotFound');
    if (!query) return;
    const denied = checkPlay(this.ctx.settings().auth, query);
    if (denied) return this.reject(denied, () => this.status('error', 'NetStream.Play.Failed', denied));
    this.role = 'play';
    this.query = query.toString();
    this.afterGate('onPlay', 'NetStream.Play.Failed', () => this.startPlay());
  }

  private startPlay(): void {
    this.conn.established();
    this.conn.sendUserControl(UC_STREAM_BEGIN, MEDIA_STREAM_ID);
    this.status('status', 'NetStream.Play.Reset', `Playing and resetting ${this.streamName}.`);
    this.status('status', 'NetStream.Play.Start', `Started playing ${this.streamName}.`);
    this.conn.sendData(MEDIA_STREAM_ID, ['|RtmpSampleAccess', true, true]);
    this.ctx.hub.countAccepted();
    this.ctx.log.info({ event: 'play', kind: 'rtmp-play', ...this.fields(), agent: this.agent }, 'play started');
    this.player = this.ctx.hub.play(this.app, this.streamName, {
      id: this.id, kind: 'rtmp-play', ip: this.ip, format: 'rtmp', socket: this.conn.socket, query: this.query,
      close: (reason, abort) => (abort ? this.conn.fail(reason) : this.conn.close(reason)),
      recvBytes: () => this.conn.bytesIn,
      // No UnpublishNotify when the publisher goes: ffmpeg (and players built on it) treat it as the end of
      // the stream, while here players stay for the next publisher (edge reconnect, encoder restart).
      // Our edges' pulls do get it: an edge counts its players' time without a publisher from then on.
      publisherChanged: (on) => {
        if (!on) {
          if (this.agent === EDGE_FLASH_VER) this.status('status', 'NetStream.Play.UnpublishNotify', `${this.streamName} is now unpublished.`);
          return;
        }
        this.conn.sendUserControl(UC_STREAM_BEGIN, MEDIA_STREAM_ID);
        this.status('status', 'NetStream.Play.PublishNotify', `${this.streamName} is now published.`);
      },
    });
    this.stream = this.ctx.hub.stream(this.app, this.streamName) ?? null;
    if (this.ctx.hooks) this.hooked = this.hookClient();
  }

  /** Ends publishing/playing (deleteStream, or the connection went away). */
  private stopRole(reason: string): void {
    this.unwatchIdle?.();
    this.unwatchIdle = null;
    if (this.role === 'publish' && this.stream) {
      this.ctx.hub.unpublish(this.stream, this.id);
      this.upstream?.close(reason);
      this.upstream = null;
      this.forwards?.stop('publisher left');
      this.forwards = null;
      this.ctx.log.info({ event: 'unpublish', ...this.fields(), reason }, 'publish ended');
    } else if (this.role === 'play' && this.player) {
      this.ctx.hub.stopPlay(this.player);
      if (!this.conn.closed) this.conn.sendUserControl(UC_STREAM_EOF, MEDIA_STREAM_ID);
    }
    const hooked = this.hooked;
    this.hooked = null;
    if (hooked && this.ctx.hooks) {
      this.ctx.hooks.notify(this.role === 'publish' ? 'onUnpublish' : 'onStop', hooked);
      if (this.role === 'publish') this.ctx.hooks.unpublished(hooked);
    }
    this.stream = null;
    this.player = null;
  }

  private closed(reason: string): void {
    const role = this.role;
    this.stopRole(reason);
    this.ctx.log.info({
      event: 'close', ...this.fields(), role, reason, durationMs: Date.now() - this.startedAt,
      bytesIn: this.conn.bytesIn, bytesOut: this.conn.bytesOut,
    }, `session closed: ${reason}`);
  }

  /** For shutdown. */
  close(reason: string): void { this.conn.close(reason); }
}
