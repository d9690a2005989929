/**
 * One on-demand upstream pull: an RTMP play from an origin that the hub sees as the stream's publisher
 * (kind 'edge-pull') while the origin has one. It runs while the stream has players, fails over round-robin
 * across the origins (a full round of failures waits `edge.retrySeconds`), reconnects by itself when the
 * origin goes away, and stops `edge.idleSeconds` after the last player left.
 *
 * The pull is the edge's publisher only from the first audio/video frame until the origin says its publisher
 * went (UnpublishNotify) or the link is lost. A link that brings only headers (`|RtmpSampleAccess`, metadata,
 * sequence headers) does not count, so reconnecting to an origin whose stream ended does not restart the
 * players' no-publisher time: they are closed after `play.noPublisherCloseSeconds`, and the pull then idles out.
 */
import type { Hub } from '../hub/hub';
import type { Stream } from '../hub/stream';
import { MediaMessage, ownedCopy } from '../hub/types';
import type { Logger } from '../log';
import { RtmpClient } from '../protocol/rtmp/client';
import type { OriginChooser } from '../cluster/origin-chooser';
import { watchHolder } from '../cluster/holder-watch';
import { Origin, OriginRing, parseOrigin } from './origins';
import { opsCounters } from '../http/ops-counters';
import { classify, Kind } from '../hub/media-kind';
import { EDGE_FLASH_VER } from '../protocol/rtmp/constants';

export interface EdgeTiming {
  idleSeconds: number;
  retrySeconds: number;
}

export interface PullDeps {
  readonly hub: Hub;
  readonly log: Logger;
  readonly origins: OriginRing;
  /** Origin cluster: where to pull each stream from (the holder), instead of round-robin. */
  readonly chooser?: OriginChooser | null;
  readonly timing: () => EdgeTiming;
  readonly maxMessageSize: () => number;
  /** Query for the upstream play (the play key, when origins require one). */
  readonly playQuery: () => string;
  /** Called when the pull has stopped for good (idle). */
  readonly done: (p: EdgePull) => void;
}

export { EDGE_FLASH_VER };

export class EdgePull {
  readonly id: string;
  private client: RtmpClient | null = null;
  private stream: Stream | null = null;
  private failuresInRound = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private bytesBefore = 0;
  /** Metadata and sequence headers received before the first frame: pushed when the frames start. */
  private held: MediaMessage[] = [];

  constructor(readonly app: string, readonly name: string, private readonly deps: PullDeps) {
    this.id = deps.hub.newClientId();
    deps.hub.pullStarted();
    this.connect();
  }

  private get fields() { return { client: this.id, app: this.app, stream: this.name, kind: 'edge-pull' }; }

  private connect(): void {
    if (this.stopped) return;
    const chooser = this.deps.chooser;
    if (!chooser) return this.dial(this.deps.origins.pick());
    // Origin cluster: the holder (asked through the peers), else the stream's placement order (src/cluster).
    void chooser.forPlay(this.app, this.name).then(
      (list) => this.dial(list.length ? parseOrigin(list[this.failuresInRound % list.length]) : this.deps.origins.pick()),
      () => this.dial(this.deps.origins.pick()),
    );
  }

  private dial(origin: Origin): void {
    if (this.stopped) return;
    const client = new RtmpClient({
      host: origin.host, port: origin.port, app: this.app, stream: this.name, query: this.deps.playQuery(),
      maxMessageSize: this.deps.maxMessageSize(), flashVer: EDGE_FLASH_VER, queryOnConnect: true,
      recycleSlabs: true, // what arrives goes to the hub, which holds slabs; `held` below copies
    });
    this.client = client;
    const where = `${origin.host}:${origin.port}`;
    client.onMessage = (m) => this.message(m);
    client.onClose = (reason) => this.lost(client, where, reason);
    client.onPublisherChange = (publishing) => { if (client === this.client) this.upstreamPublisher(publishing, where); };
    client.start('play').then(() => {
      this.failuresInRound = 0;
      this.deps.log.info({ event: 'edge-pull-start', ...this.fields, origin: where }, `pulling from ${where}`);
      // Origin cluster: waiting where the stream is not (yet)? Move when it shows up on another origin.
      if (this.deps.chooser) {
        watchHolder({
          chooser: this.deps.chooser, app: this.app, stream: this.name, current: where,
          waiting: () => this.client === client && !this.stream?.frames && !this.stream?.audio, move: (r) => client.close(r),
          intervalMs: this.deps.timing().retrySeconds * 1000,
        });
      }
    }, () => { /* reported through onClose */ });
  }

  /** The first frame makes the pull the stream's publisher (with the headers held until then). */
  private message(m: MediaMessage): void {
    if (!this.stream) {
      const kind = classify(m);
      if (kind === Kind.Metadata || kind === Kind.VideoConfig || kind === Kind.AudioConfig) {
        this.held = [...this.held.filter((h) => classify(h) !== kind), ownedCopy(m)];
        return;
      }
      if (kind !== Kind.Frame && kind !== Kind.Keyframe) return;
      const client = this.client!;
      const stream = this.deps.hub.publish(this.app, this.name, {
        id: this.id, kind: 'edge-pull', ip: client.opts.host,
        close: (reason) => this.stop(reason),
        recvBytes: () => this.bytesBefore + client.bytesIn,
        sendBytes: () => client.bytesOut,
      });
      if (!stream) { this.stop('a local publisher has the stream'); return; }
      this.stream = stream;
      const held = this.held;
      this.held = [];
      for (const h of held) stream.push(h);
    }
    this.stream.push(m);
  }

  /** The origin's publisher went: the edge's stream has none either (its players' no-publisher time starts). */
  private upstreamPublisher(publishing: boolean, where: string): void {
    this.held = [];
    if (publishing || !this.stream) return;
    const s = this.stream;
    this.stream = null;
    this.deps.log.info({ event: 'edge-pull-unpublished', ...this.fields, origin: where }, 'the origin\'s publisher went; waiting for a new one');
    this.deps.hub.unpublish(s, this.id);
  }

  private lost(client: RtmpClient, where: string, reason: string): void {
    if (client !== this.client) return;
    this.bytesBefore += client.bytesIn;
    this.client = null;
    this.held = [];
    if (this.stream) { this.deps.hub.unpublish(this.stream, this.id); this.stream = null; }
    if (this.stopped) return;
    opsCounters.upstreamPullFailures++;
    this.failuresInRound++;
    const wholeRound = this.failuresInRound >= this.deps.origins.size;
    const delayMs = wholeRound ? this.deps.timing().retrySeconds * 1000 : 0;
    if (wholeRound) this.failuresInRound = 0;
    this.deps.log.warn({ event: 'edge-pull-error', ...this.fields, origin: where, reason, retryMs: delayMs }, `upstream ${where} lost: ${reason}`);
    this.retryTimer = setTimeout(() => { this.retryTimer = null; this.connect(); }, delayMs);
  }

  /** A player arrived: cancel a pending idle stop. */
  wanted(): void {
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
  }

  /** The last player left: stop after the idle time unless one comes back. */
  idle(): void {
    if (this.idleTimer || this.stopped) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const s = this.deps.hub.stream(this.app, this.name);
      if (!s || s.players.size === 0) this.stop('idle');
    }, this.deps.timing().idleSeconds * 1000);
  }

  get active(): boolean { return !this.stopped; }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const client = this.client;
    this.client = null;
    this.deps.done(this); // first: players still waiting may ask for a fresh pull right away
    this.deps.hub.pullEnded();
    this.deps.log.info({ event: 'edge-pull-stop', ...this.fields, reason }, `pull stopped: ${reason}`);
    if (this.stream) { const s = this.stream; this.stream = null; this.deps.hub.unpublish(s, this.id); }
    client?.close(reason);
  }
}
