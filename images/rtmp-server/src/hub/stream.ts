/**
 * One stream (app/name): at most one publisher (an encoder, an edge pull), its players, the GOP cache
 * and the write-merging tick. Messages are encoded once per output format and the same buffers go to
 * every player; each player's socket gets one write per merge window (`play.mergeWriteMs`).
 */
import { randomBytes } from 'node:crypto';
import { audioInfo, videoInfo } from './codec-info';
import { Batch, dropAll, Entry, OutputFormat } from './entry';
import { GopCache } from './gop-cache';
import { classify, Kind, normalizeMetadata } from './media-kind';
import { TrackSniffer } from './flv-tracks';
import { flvHeader } from '../protocol/flv';
import { Player, PlayerState, PlaySettings } from './player';
import { PublishClock, REBASE_STEP_MS } from './timeline';
import { AudioInfo, DATA, MediaMessage, MediaSink, VIDEO, VideoInfo } from './types';
import type { ClientKind } from './types';

/** A publisher as the hub sees it (encoder session or edge pull). */
export interface PublisherInit {
  readonly id: string;
  readonly kind: ClientKind;
  readonly ip: string;
  readonly close: (reason: string) => void;
  readonly recvBytes: () => number;
  readonly sendBytes?: () => number;
  /** The URL the publisher connected to (RTMP tcUrl), for the API. */
  readonly tcUrl?: string;
}

/** What the stream tells the hub about. */
export interface StreamEvents {
  slowPlayerClosed(p: Player): void;
  /** A bug in the fan-out tick (it is caught so that it cannot end the process). */
  error(e: Error): void;
}

export class Stream {
  readonly id = 'vid-' + randomBytes(4).toString('hex');
  readonly createdAt = Date.now();
  publisher: PublisherInit | null = null;
  publishedAt = 0;
  readonly players = new Set<Player>();
  video: VideoInfo | null = null;
  audio: AudioInfo | null = null;
  frames = 0;
  recvBytes = 0;
  /** Bytes sent to players that already left. */
  sendBytesGone = 0;
  /** 5-second samples of [recv, send] for the 30 s kbps figures. */
  readonly samples: [number, number][] = [];
  /** Closes the players when no publisher comes (set by the hub). */
  orphanTimer: NodeJS.Timeout | null = null;

  private seq = 0;
  private hasVideo = false;
  /** Output timestamps stay monotonic across publishers (players that stay see no jump back). */
  private lastTs = -1;
  private tsOffset = 0;
  private rebase = false;
  /** This publish's own timeline (monotonic within it); sinks (HLS) see it, players see it rebased across publishers. */
  private clock = new PublishClock();
  private metadata: Entry | null = null;
  private videoConfig: Entry | null = null;
  private audioConfig: Entry | null = null;
  private readonly gop = new GopCache();
  private pending: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private sinks: MediaSink[] = [];
  /** The tracks the FLV header announces; FLV players that join before they are known wait for them. */
  private readonly tracks = new TrackSniffer();

  constructor(
    readonly app: string,
    readonly name: string,
    private readonly settings: PlaySettings,
    private readonly chunkSize: number,
    private readonly events: StreamEvents,
  ) {}

  get key(): string { return `${this.app}/${this.name}`; }

  /** The newest timestamp players got (-1: none), kept by the hub after the stream is dropped. */
  get lastTimestamp(): number { return this.lastTs; }

  /** A stream created again soon after it was dropped: its next publisher continues after `ts`. */
  continueFrom(ts: number): void { if (this.lastTs < 0) this.lastTs = ts; }

  sendBytes(): number {
    let n = this.sendBytesGone;
    for (const p of this.players) n += p.sendBytes;
    return n;
  }

  /** A new publisher: fresh caches; running players wait for its first keyframe (or config). */
  startPublishing(pub: PublisherInit, sinks: MediaSink[]): void {
    this.publisher = pub;
    this.publishedAt = Date.now();
    this.metadata = this.videoConfig = this.audioConfig = null;
    this.gop.clear();
    this.hasVideo = false;
    this.video = this.audio = null;
    this.tracks.reset();
    this.sinks = sinks;
    this.rebase = this.lastTs >= 0;
    this.clock = new PublishClock();
    for (const p of this.players) {
      p.state = PlayerState.Wait;
      safe(() => p.init.publisherChanged?.(true));
    }
  }

  stopPublishing(): void {
    this.flush();
    this.publisher = null;
    this.tracks.reset();
    for (const p of this.players) safe(() => p.init.publisherChanged?.(false));
    this.gop.clear();
    for (const s of this.sinks) safe(() => s.end());
    this.sinks = [];
  }

  push(m: MediaMessage): void {
    const kind = classify(m);
    // onMetaData goes out at time 0: ffmpeg's FLV reader takes a later one for a subtitle stream.
    if (kind === Kind.Metadata) m = { type: DATA, timestamp: 0, payload: normalizeMetadata(m.payload) };
    // Before this message gets its seq: FLV players joined now receive it through the normal fan-out.
    if (this.tracks.learn(m, kind)) this.joinAwaiting();
    const isFrame = kind === Kind.Keyframe || kind === Kind.Frame;
    // Only frames move the timeline: configs and data replayed from a cache (a late push, an edge pull) carry
    // old timestamps, so they take the newest frame's time instead.
    const pubTs = isFrame ? this.clock.map(m.timestamp) : this.clock.newestOr0();
    // A new publisher continues one step after the last frame, as a jump inside one publish does (hub/timeline.ts).
    if (isFrame && this.rebase) { this.tsOffset = this.lastTs + REBASE_STEP_MS - pubTs; this.rebase = false; }
    const outTs = this.rebase ? Math.max(0, this.lastTs) : this.tsOffset !== 0 ? Math.max(0, pubTs + this.tsOffset) >>> 0 : pubTs;
    if (isFrame) this.lastTs = outTs;
    if (m.type === VIDEO) {
      this.hasVideo = true;
      if (isFrame) this.frames++;
    }
    this.recvBytes += m.payload.length;
    const resume = kind === Kind.Keyframe || kind === Kind.VideoConfig || kind === Kind.AudioConfig ||
      kind === Kind.Metadata || (isFrame && !this.hasVideo);
    // Codec configs stay for the whole publish: their own copy rather than a hold on a slab of frames.
    const payload = kind === Kind.VideoConfig || kind === Kind.AudioConfig ? Buffer.from(m.payload) : m.payload;
    const e = new Entry(m.type, kind === Kind.Metadata ? m.timestamp : outTs, payload, this.seq++, resume, isFrame);
    // Sinks get the publish's own timeline: the same on every server a relay feeds, whatever their players did.
    const sm: MediaMessage = pubTs === e.timestamp ? e : { type: m.type, timestamp: pubTs, payload };

    if (kind === Kind.Metadata) this.metadata = e;
    else if (kind === Kind.VideoConfig) { this.videoConfig = e; this.video = videoInfo(m.payload); }
    else if (kind === Kind.AudioConfig) { this.audioConfig = e; this.audio = audioInfo(m.payload); }
    else if (this.settings.gopCache && this.hasVideo) this.cache(e, kind === Kind.Keyframe);

    for (let i = 0; i < this.sinks.length; i++) {
      const sink = this.sinks[i];
      try {
        sink.onMessage(sm, this.clock); // not through safe(): no closure per message and sink
      } catch {
        safe(() => sink.end());
        this.sinks = this.sinks.filter((s) => s !== sink);
        i--;
      }
    }

    if (this.players.size === 0) return;
    e.hold();
    this.pending.push(e);
    // mergeWriteMs 0: no added latency, but the messages parsed from one read of the publisher's socket
    // still leave in one write per player (flushed before the event loop polls sockets again).
    if (this.settings.mergeWriteMs <= 0 && !this.immediate) {
      this.immediate = setImmediate(() => { this.immediate = null; this.safeFlush(); });
    }
  }

  private cache(e: Entry, keyframe: boolean): void {
    if (keyframe) this.gop.clear();
    else if (this.gop.length === 0) return;
    this.gop.add(e, e.timestamp);
    // A GOP longer than a player's queue bound would only make joiners drop at once: start over.
    if (this.gop.bytes > this.settings.maxQueueBytes) this.gop.clear();
  }

  /** Bytes a joining player needs before the live messages, in `format` (after any format header). */
  startBytes(format: OutputFormat): { bufs: Buffer[]; live: boolean } {
    const bufs: Buffer[] = [];
    for (const e of [this.metadata, this.videoConfig, this.audioConfig]) if (e) bufs.push(e.bytes(format, this.chunkSize));
    const live = this.publisher !== null && (this.gop.length > 0 || (!this.hasVideo && this.audioConfig !== null));
    if (live) this.gop.encodeInto(bufs, format, this.chunkSize);
    return { bufs, live };
  }

  /**
   * Attaches a player: the cached start is written at once, not after the merge window. An FLV player first
   * gets the FLV file header, whose flags name the stream's tracks: until they are known it waits, unserved.
   */
  addPlayer(p: Player): void {
    this.players.add(p);
    if (p.format === 'flv' && !this.tracks.tracks) p.awaitingHeader = true;
    else this.start(p);
    this.armTimer();
  }

  private start(p: Player): void {
    const { bufs, live } = this.startBytes(p.format);
    const t = this.tracks.tracks;
    if (p.format === 'flv' && t) bufs.unshift(flvHeader(t.audio, t.video));
    p.awaitingHeader = false;
    p.writeStart(bufs);
    p.state = live ? PlayerState.Live : PlayerState.Wait;
    p.nextSeq = this.seq;
  }

  private joinAwaiting(): void {
    for (const p of this.players) if (p.awaitingHeader) this.start(p);
  }

  removePlayer(p: Player): void {
    if (!this.players.delete(p)) return;
    this.sendBytesGone += p.sendBytes;
    if (this.players.size === 0) this.disarmTimer();
  }

  /** Re-reads settings.mergeWriteMs (config reload). */
  retime(): void {
    this.flush();
    this.disarmTimer();
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer || this.settings.mergeWriteMs <= 0 || this.players.size === 0) return;
    this.timer = setInterval(() => this.safeFlush(), this.settings.mergeWriteMs);
  }

  private disarmTimer(): void {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    if (this.immediate) { clearImmediate(this.immediate); this.immediate = null; }
    dropAll(this.pending);
    this.pending = [];
  }

  private safeFlush(): void {
    try {
      this.flush();
    } catch (e) {
      this.events.error(e as Error);
    }
  }

  /** Sends the merge window's messages: one write per player. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = new Batch(this.pending, this.chunkSize);
    this.pending = [];
    try {
      this.deliver(batch); // players get encoded copies: the entries' payloads are not needed past this
    } finally {
      dropAll(batch.entries);
    }
  }

  private deliver(batch: Batch): void {
    const now = Date.now();
    let slow: Player[] | null = null;
    for (const p of this.players) {
      if (p.deliver(batch, now, this.settings) < 0) (slow ??= []).push(p);
    }
    if (slow) for (const p of slow) { this.events.slowPlayerClosed(p); p.init.close('slow player: dropping too long', true); }
  }

  /** Ends everything (process shutdown). */
  dispose(): void {
    this.disarmTimer();
    if (this.orphanTimer) { clearTimeout(this.orphanTimer); this.orphanTimer = null; }
    for (const s of this.sinks) safe(() => s.end());
    this.sinks = [];
  }
}

/** Runs f; false if it threw (a failing sink must not stop the stream). */
function safe(f: () => void): boolean {
  try { f(); return true; } catch { return false; }
}
