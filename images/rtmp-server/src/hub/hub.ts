/**
 * The stream registry (path manager): one Stream per app/name, at most one publisher each, players,
 * in-process sinks (HLS), counters, and the HubView the API reads. No sockets here: sessions hand in
 * what they are (PublisherInit / PlayerInit) and the hub calls back `close()` when it must end them.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log';
import type { OutputFormat } from './entry';
import { Player, PlayerInit, PlaySettings } from './player';
import { PublisherInit, Stream } from './stream';
import type { ClientSnapshot, HubTotals, HubView, MediaSink, MediaSinkFactory, StreamSnapshot } from './types';

export interface HubOptions {
  readonly play: PlaySettings;
  /** Outgoing RTMP chunk size; every player session announces the same one. */
  readonly chunkSize: number;
}

/** Hooks for the edge (on-demand pulls). */
export interface HubDemandListener {
  /** A player is waiting on a stream without a publisher (`query`: that player's query string, when known). */
  onDemand(stream: Stream, query?: string): void;
  /** A stream's last player left (or its last waiting player). */
  onIdle(stream: Stream): void;
}

interface PublisherRecord { stream: Stream; pub: PublisherInit }

/**
 * Timelines of dropped streams are remembered this long (and for at most this many streams), so a publisher
 * that comes back continues where the last one stopped: a relay then pushes one unbroken timeline to its
 * servers across encoder restarts, and their HLS segment numbers go on by one.
 */
const TIMELINE_MEMORY_MS = 3_600_000;
const TIMELINE_MEMORY_MAX = 10_000;

export class Hub implements HubView {
  readonly settings: PlaySettings;
  private readonly streamsByKey = new Map<string, Stream>();
  private readonly publishers = new Map<string, PublisherRecord>();
  private readonly playerIndex = new Map<string, { stream: Stream; player: Player }>();
  private readonly sinkFactories: MediaSinkFactory[] = [];
  private demand: HubDemandListener | null = null;
  private readonly timelines = new Map<string, { ts: number; at: number }>();
  private readonly sampler: NodeJS.Timeout;
  private nextClientId = randomBytes(4).readUInt32BE(0);
  private readonly counters = {
    bytesInGone: 0, bytesOutGone: 0, droppedGone: 0,
    connectionsAccepted: 0, connectionsRejected: 0,
    upstreamPullsActive: 0, upstreamPullsStarted: 0, slowPlayersClosed: 0,
  };

  constructor(private readonly opts: HubOptions, private readonly log: Logger) {
    this.settings = { ...opts.play };
    this.sampler = setInterval(() => this.sample(), 5000);
    this.sampler.unref();
  }

  /**
   * A client id: 8 hex digits, unique within the process (a random start, then counting). Players and
   * publishers are indexed by id: two live clients sharing one would leave a player attached for good. Fully
   * random 4-byte ids repeat after ~80,000 issued, which a busy server reaches while thousands are live.
   */
  newClientId(): string {
    const id = this.nextClientId;
    this.nextClientId = (id + 1) >>> 0;
    return id.toString(16).padStart(8, '0');
  }

  addSinkFactory(f: MediaSinkFactory): void { this.sinkFactories.push(f); }
  setDemandListener(l: HubDemandListener | null): void { this.demand = l; }

  countAccepted(): void { this.counters.connectionsAccepted++; }
  countRejected(): void { this.counters.connectionsRejected++; }
  pullStarted(): void { this.counters.upstreamPullsStarted++; this.counters.upstreamPullsActive++; }
  pullEnded(): void { this.counters.upstreamPullsActive--; }

  stream(app: string, name: string): Stream | undefined { return this.streamsByKey.get(`${app}/${name}`); }

  private getOrCreate(app: string, name: string): Stream {
    const key = `${app}/${name}`;
    let s = this.streamsByKey.get(key);
    if (!s) {
      s = new Stream(app, name, this.settings, this.opts.chunkSize, {
        slowPlayerClosed: () => { this.counters.slowPlayersClosed++; },
        error: (e) => this.log.error({ event: 'fanout-error', app, stream: name, err: e.message, stack: e.stack }, 'fan-out tick failed'),
      });
      const past = this.timelines.get(key);
      if (past && Date.now() - past.at < TIMELINE_MEMORY_MS) s.continueFrom(past.ts);
      this.timelines.delete(key);
      this.streamsByKey.set(key, s);
    }
    return s;
  }

  /** Attaches a publisher; null when the stream already has one (the caller refuses with BadName). */
  publish(app: string, name: string, pub: PublisherInit): Stream | null {
    const s = this.getOrCreate(app, name);
    if (s.publisher) return null;
    const sinks: MediaSink[] = [];
    for (const f of this.sinkFactories) {
      try {
        const sink = f(app, name);
        if (sink) sinks.push(sink);
      } catch (e) {
        this.log.error({ event: 'sink-error', app, stream: name, err: (e as Error).message }, 'media sink factory failed');
      }
    }
    this.setOrphanTimer(s, false);
    s.startPublishing(pub, sinks);
    this.publishers.set(pub.id, { stream: s, pub });
    return s;
  }

  unpublish(s: Stream, pubId: string): void {
    const rec = this.publishers.get(pubId);
    if (!rec || rec.stream !== s) return;
    this.publishers.delete(pubId);
    this.counters.bytesInGone += rec.pub.recvBytes();
    s.stopPublishing();
    if (s.players.size > 0) {
      this.setOrphanTimer(s, true);
      this.demand?.onDemand(s);
    }
    this.maybeDrop(s);
  }

  /** Attaches a player; the stream writes the cached start (after the FLV file header for FLV players). */
  play(app: string, name: string, init: PlayerInit): Player {
    const s = this.getOrCreate(app, name);
    const p = new Player(init);
    s.addPlayer(p);
    this.playerIndex.set(p.id, { stream: s, player: p });
    if (!s.publisher) {
      this.setOrphanTimer(s, true);
      this.demand?.onDemand(s, init.query);
    }
    return p;
  }

  stopPlay(p: Player): void {
    const rec = this.playerIndex.get(p.id);
    if (!rec) return;
    this.playerIndex.delete(p.id);
    rec.stream.removePlayer(p);
    this.counters.bytesOutGone += p.sendBytes;
    this.counters.droppedGone += p.droppedFrames;
    if (rec.stream.players.size === 0) this.demand?.onIdle(rec.stream);
    this.maybeDrop(rec.stream);
  }

  /** Arms (or clears) the close of a stream's players while it has no publisher. */
  private setOrphanTimer(s: Stream, on: boolean): void {
    if (!on) {
      if (s.orphanTimer) { clearTimeout(s.orphanTimer); s.orphanTimer = null; }
      return;
    }
    if (s.orphanTimer) return;
    s.orphanTimer = setTimeout(() => {
      s.orphanTimer = null;
      if (s.publisher) return;
      for (const p of [...s.players]) p.init.close('no publisher');
    }, (this.settings.noPublisherCloseSeconds ?? 30) * 1000);
  }

  private maybeDrop(s: Stream): void {
    if (s.publisher || s.players.size > 0) return;
    this.setOrphanTimer(s, false);
    s.dispose();
    if (this.streamsByKey.get(s.key) === s) {
      this.streamsByKey.delete(s.key);
      if (s.lastTimestamp >= 0) {
        this.timelines.set(s.key, { ts: s.lastTimestamp, at: Date.now() });
        if (this.timelines.size > TIMELINE_MEMORY_MAX) this.timelines.delete(this.timelines.keys().next().value!);
      }
    }
  }

  /** Applies changed play settings to running streams (config reload). */
  updateSettings(play: PlaySettings): void {
    const retime = play.mergeWriteMs !== this.settings.mergeWriteMs;
    Object.assign(this.settings, play);
    if (retime) for (const s of this.streamsByKey.values()) s.retime();
  }

  /** Every player and publisher's close(), for shutdown. */
  closeAll(reason: string): void {
    for (const { player } of [...this.playerIndex.values()]) player.init.close(reason);
    for (const { pub } of [...this.publishers.values()]) pub.close(reason);
  }

  activeCount(): number { return this.playerIndex.size + this.publishers.size; }

  playersOf(format?: OutputFormat): number {
    if (!format) return this.playerIndex.size;
    let n = 0;
    for (const { player } of this.playerIndex.values()) if (player.format === format) n++;
    return n;
  }

  private sample(): void {
    for (const s of this.streamsByKey.values()) {
      s.samples.push([s.recvBytes, s.sendBytes()]);
      if (s.samples.length > 7) s.samples.shift();
    }
  }

  // ---- HubView ----

  streams(): StreamSnapshot[] {
    const now = Date.now();
    return [...this.streamsByKey.values()].map((s) => {
      const first = s.samples[0];
      const last = s.samples[s.samples.length - 1];
      const secs = (s.samples.length - 1) * 5;
      const kbps = (i: 0 | 1) => (secs > 0 ? Math.round(((last[i] - first[i]) * 8) / secs / 1000) : 0);
      return {
        id: s.id, app: s.app, name: s.name, tcUrl: s.publisher?.tcUrl ?? `rtmp://127.0.0.1/${s.app}`, liveMs: now - s.createdAt,
        players: s.players.size, publishing: s.publisher !== null, publisherId: s.publisher?.id ?? null,
        frames: s.frames, sendBytes: s.sendBytes(), recvBytes: s.recvBytes,
        kbpsRecv30s: kbps(0), kbpsSend30s: kbps(1), video: s.video, audio: s.audio,
      };
    });
  }

  clients(): ClientSnapshot[] {
    const now = Date.now();
    const out: ClientSnapshot[] = [];
    for (const { stream, pub } of this.publishers.values()) {
      out.push({
        id: pub.id, kind: pub.kind, ip: pub.ip, app: stream.app, stream: stream.name, streamId: stream.id,
        publish: true, aliveMs: now - stream.publishedAt, sendBytes: pub.sendBytes?.() ?? 0,
        recvBytes: pub.recvBytes(), droppedFrames: 0,
      });
    }
    for (const { stream, player } of this.playerIndex.values()) {
      const i = player.init;
      out.push({
        id: i.id, kind: i.kind, ip: i.ip, app: stream.app, stream: stream.name, streamId: stream.id,
        publish: false, aliveMs: now - player.startedAt, sendBytes: player.sendBytes,
        recvBytes: i.recvBytes?.() ?? 0, droppedFrames: player.droppedFrames,
      });
    }
    return out;
  }

  totals(): HubTotals {
    const c = this.counters;
    let bytesIn = c.bytesInGone, bytesOut = c.bytesOutGone, dropped = c.droppedGone;
    for (const { pub } of this.publishers.values()) bytesIn += pub.recvBytes();
    for (const { player } of this.playerIndex.values()) { bytesOut += player.sendBytes; dropped += player.droppedFrames; }
    return {
      bytesIn, bytesOut,
      connectionsAccepted: c.connectionsAccepted, connectionsRejected: c.connectionsRejected,
      upstreamPullsActive: c.upstreamPullsActive, upstreamPullsStarted: c.upstreamPullsStarted,
      droppedFrames: dropped, slowPlayersClosed: c.slowPlayersClosed,
    };
  }

  kick(clientId: string): boolean {
    const p = this.playerIndex.get(clientId);
    if (p) { p.player.init.close('kicked'); return true; }
    const pub = this.publishers.get(clientId);
    if (pub) { pub.pub.close('kicked'); return true; }
    return false;
  }

  dispose(): void {
    clearInterval(this.sampler);
    for (const s of this.streamsByKey.values()) s.dispose();
  }
}
