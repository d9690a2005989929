/**
 * One relay push: one published stream sent to one target server, kept up until `stop()`.
 *
 * Once the target accepts the publish (RtmpClient), the push attaches to the hub as a player of kind
 * 'relay-push' in RTMP format: it gets the stream's start (metadata, codec configs, GOP from the last keyframe)
 * and then the same shared chunk bytes every RTMP player gets, written straight to the push socket. So its
 * queue is the player queue: bounded by `play.maxQueueBytes`, skipping to the next keyframe when the target
 * falls behind, closed after `play.slowPlayerCloseSeconds` of dropping. A push that fails or ends is retried
 * with backoff (1 s doubling to 15 s) for as long as it is wanted; nothing it does reaches the publisher or
 * the other pushes.
 */
import { signPublish } from '../auth';
import type { Hub } from '../hub/hub';
import type { Player } from '../hub/player';
import type { Logger } from '../log';
import { RtmpClient } from '../protocol/rtmp/client';
import { MEDIA_STREAM_ID } from '../protocol/rtmp/constants';
import { splitHostPort } from '../discovery/resolver';

export interface PushSettings {
  /** Chunk size the hub encodes media with; announced to the target before media. */
  readonly chunkSize: number;
  readonly maxMessageSize: number;
  /** This server's publish secret; when set, pushes carry a signed URL made with it (targets share it). */
  readonly publishSecret: string;
}

/**
 * Where a push goes when it is not a relay target (`host:port`, same app/stream, signed with our secret): a
 * forward destination (src/forward) names its own URL, query (stream key) and TLS.
 */
export interface PushDestination {
  readonly host: string;
  readonly port: number;
  readonly app: string;
  readonly stream: string;
  readonly query: string;
  readonly tls: boolean;
}

const CONNECT_TIMEOUT_MS = 5000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15_000;
/** A push that stayed up this long starts its next retry from the minimum again. */
const HEALTHY_MS = 10_000;
const SIGNED_URL_SECONDS = 300;

export class RelayPush {
  readonly id: string;
  /** 'relay-push', or 'forward' for a forward destination: the client kind and the prefix of log events. */
  readonly kind: 'relay-push' | 'forward';
  private client: RtmpClient | null = null;
  private player: Player | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = RETRY_MIN_MS;
  private stopped = false;
  /** Times the push came up (1 = first connect). */
  connects = 0;

  constructor(
    private readonly hub: Hub,
    readonly app: string,
    readonly stream: string,
    /** `ip:port` of the target. */
    readonly target: string,
    private readonly settings: () => PushSettings,
    private readonly log: Logger,
    /** A forward destination instead of a relay target (then the hub lists the push as kind 'forward'). */
    private readonly destination?: PushDestination,
  ) {
    this.id = hub.newClientId();
    this.kind = destination ? 'forward' : 'relay-push';
  }


  start(): void { void this.attempt(); }

  get live(): boolean { return this.player !== null; }

  private fields(): Record<string, unknown> {
    return { client: this.id, kind: this.kind, app: this.app, stream: this.stream, target: this.target };
  }

  private authQuery(): string {
    const secret = this.settings().publishSecret;
    if (!secret) return '';
    const expires = Math.floor(Date.now() / 1000) + SIGNED_URL_SECONDS;
    return `expires=${expires}&sign=${signPublish(secret, this.app, this.stream, expires)}`;
  }

  private async attempt(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    const s = this.settings();
    const hp = splitHostPort(this.target);
    const d = this.destination;
    const client = new RtmpClient({
      host: d?.host ?? hp?.host ?? this.target, port: d?.port ?? hp?.port ?? 1935, app: d?.app ?? this.app,
      stream: d?.stream ?? this.stream, query: d ? d.query : this.authQuery(), tls: d?.tls ?? false,
      chunkSize: s.chunkSize, maxMessageSize: s.maxMessageSize, timeoutMs: CONNECT_TIMEOUT_MS, flashVer: 'rtmp-k8s-relay',
    });
    try {
      await client.start('publish');
      // Media is encoded once for every player on MEDIA_STREAM_ID; a server handing out another id cannot take it.
      if (client.mediaStreamId !== MEDIA_STREAM_ID) throw new Error(`target gave stream id ${client.mediaStreamId}, need ${MEDIA_STREAM_ID}`);
    } catch (e) {
      client.close('push failed');
      this.log.warn({ event: `${this.kind}-failed`, ...this.fields(), err: (e as Error).message, retryMs: this.backoffMs },
        `push to ${this.target} failed: ${(e as Error).message}`);
      return this.scheduleRetry();
    }
    const socket = client.socket;
    if (this.stopped || !socket || !this.hub.stream(this.app, this.stream)?.publisher) {
      client.close('push no longer wanted');
      return;
    }
    this.client = client;
    this.connects++;
    const upAt = Date.now();
    client.onClose = (reason) => {
      this.detach();
      if (this.stopped) return;
      if (Date.now() - upAt >= HEALTHY_MS) this.backoffMs = RETRY_MIN_MS;
      this.log.warn({ event: `${this.kind}-ended`, ...this.fields(), reason, retryMs: this.backoffMs }, `push to ${this.target} ended: ${reason}`);
      this.scheduleRetry();
    };
    this.player = this.hub.play(this.app, this.stream, {
      id: this.id, kind: this.kind, ip: d?.host ?? hp?.host ?? this.target, format: 'rtmp',
      socket, close: (reason) => client.close(reason), recvBytes: () => client.bytesIn,
    });
    this.log.info({ event: this.kind, ...this.fields(), connects: this.connects }, `pushing ${this.app}/${this.stream} to ${this.target}`);
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => void this.attempt(), this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(RETRY_MAX_MS, this.backoffMs * 2);
  }

  private detach(): void {
    if (this.player) this.hub.stopPlay(this.player);
    this.player = null;
    this.client = null;
  }

  /** Ends the push for good (the stream stopped, the target vanished, or shutdown). */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.detach();
    client?.close(reason);
    this.log.info({ event: `${this.kind}-stop`, ...this.fields(), reason }, `push to ${this.target} stopped: ${reason}`);
  }
}
