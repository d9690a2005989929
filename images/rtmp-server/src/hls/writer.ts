/**
 * The HLS segmenter of one stream: FLV messages in, `{stream}-{seq}.ts` segments and a live `{stream}.m3u8` out.
 *
 * Segmentation is a function of the timestamps alone, so every server fed the same messages (a RelayCluster's
 * servers, fed by one relay) cuts the same segments with the same numbers and names, whenever it joined:
 * - the stream's time is divided into slots of `fragmentSeconds` (T); segment number = slot (+ a shift, below);
 * - slot k's segment starts at its first keyframe if that comes within W of the slot's start (kT), else at the
 *   slot's first frame (no keyframe), where W = TARGETDURATION + 0.45 s - T. Each boundary depends on its own
 *   slot's frames only, so a writer that joined later finds the same ones; every slot gets a segment, so numbers
 *   never skip; and no EXTINF rounds above TARGETDURATION. Frames past a slot's start are held (at most W) until
 *   the keyframe or the end of the window decides;
 * - a writer that may have joined mid-stream (a new writer or publish fed by another server) muxes into a
 *   warm-up segment that it does not write, until the first boundary it has seen whole;
 * - TARGETDURATION = ceil(T) and T are fixed for the playlist's life (RFC 8216 §6.2.1); a reload of
 *   `fragmentSeconds` applies to playlists started after it.
 * Discontinuities (a new publish, a rebased timestamp jump, a gap longer than a slot) close the segment; the
 * next one carries #EXT-X-DISCONTINUITY and numbers go on by one (the shift), so MEDIA-SEQUENCE never skips.
 *
 * Segment bytes stream to a temporary file (segment-file.ts) in pieces (32 KiB to SPILL_BYTES, by the stream's
 * bitrate: spillPieceBytes) while the segment is muxed, so a stream holds about one piece, not a whole segment;
 * the file is renamed to its name when the segment closes; then the playlist is written (playlist-file.ts), then
 * segments that left the window are deleted or taken over by the next segment — all through one ordered,
 * non-blocking queue per stream.
 * Warm-up segments never reach the disk (their pieces are discarded); a segment with no frames or given up is
 * aborted (its temp file removed). The media path (onMessage) never touches the disk and never throws.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';
import { FlvTsMuxer, TsBuffer, TsFrame } from '../protocol/mpegts';
import { SLAB_MIN, SLAB_SIZE } from '../protocol/rtmp/slab-pool';
import { HLS_DIR_MARKER, HlsPaths } from './paths';
import { PlaylistSegment, renderPlaylist } from './playlist';
import { PlaylistFile } from './playlist-file';
import { livePlaylists } from './playlist-memory';
import { SerialQueue } from './queue';
import { ReusedFile, SegmentFile } from './segment-file';
import type { MediaMessage, TimelineInfo } from '../hub/types';

/** The timing settings a writer reads at each decision (mutable: a config reload applies at the next segment). */
export interface HlsTiming {
  fragmentSeconds: number;
  windowSeconds: number;
  cleanupDelaySeconds: number;
}

/** Counters shared by all writers (for logs and /metrics). */
export interface HlsStats {
  segmentsWritten: number;
  bytesWritten: number;
  /** Malformed/unsupported payloads skipped by the muxer. */
  skippedPayloads: number;
  /** Segments not written because the disk fell behind (memory bound). */
  droppedSegments: number;
  writeErrors: number;
  /** Streams refused because of an unsafe app/stream name. */
  refusedNames: number;
}

export function emptyHlsStats(): HlsStats {
  return { segmentsWritten: 0, bytesWritten: 0, skippedPayloads: 0, droppedSegments: 0, writeErrors: 0, refusedNames: 0 };
}

/** What a writer may do with its files, given who else reads them. */
export interface HlsFilePolicy {
  /** Other processes read the directory (`hls.sharedDir`): playlists are replaced atomically, segment files never reused. */
  readonly sharedDir: boolean;
  /** Whether segment file names are handed out now (on_hls hooks), whose readers may still read an expired one. */
  readonly segmentNamesOut?: () => boolean;
}

/** A segment now on disk and in the playlist. */
export interface WrittenSegment {
  /** Absolute path of the segment. */
  readonly file: string;
  /** Its file name (`{stream}-{seq}.ts`). */
  readonly name: string;
  /** Absolute path of the playlist. */
  readonly playlist: string;
  readonly durationMs: number;
  readonly seq: number;
}

/** A segment in the playlist, or out of it and still on disk, with its length (a file taking it over cuts to size). */
interface SegmentOnDisk extends PlaylistSegment {
  readonly bytes: number;
}

/** Segments that left the playlist but stay on disk a little longer, for players still reading the previous one. */
const RETIRED_KEEP = 1;
/**
 * Muxed TS bytes go to the segment's file in pieces of at most this size (memory per stream stays this small).
 * Pieces are slabs of the media pool, so their sizes are the pool's (SLAB_MIN doubling up to SLAB_SIZE).
 */
export const SPILL_BYTES = SLAB_SIZE;

/**
 * The piece size for a stream whose last segment had `segmentBytes`: the smallest slab size (32, 64, 128 KiB) that
 * is at least a quarter of it. Each stream holds the piece it is filling, so a low-bitrate stream should not hold
 * 128 KiB (a 600 kbit/s, 2 s segment is ~150 KB), while no segment takes more than about five writes.
 */
export function spillPieceBytes(segmentBytes: number): number {
  let piece = SLAB_MIN;
  while (piece < SPILL_BYTES && piece * 4 < segmentBytes) piece *= 2;
  return piece;
}
/** A segment is cut even without a keyframe past this size, to bound memory. */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Segment bytes waiting for the disk beyond this (per stream) are dropped rather than kept in memory. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/**
 * The same over every stream of the process: an origin that cannot keep up (a core too slow for its streams, a slow
 * disk) drops segments instead of queueing up to MAX_PENDING_BYTES for each of hundreds of streams (500 x 2.6 Mbit/s
 * on one core grew to 8 MB per stream, ~4 GB, before this bound).
 */
export const MAX_PENDING_ALL_BYTES = 256 * 1024 * 1024;
let pendingAll = 0;

/** Segment bytes of every stream waiting for the disk now. */
export function hlsPendingBytes(): number { return pendingAll; }
/** Audio this long (ms) without the video that metadata announced makes the stream audio-only. */
const VIDEO_WAIT_MS = 3000;
/** A timestamp going back by more than this (ms) is a discontinuity (the hub rebases these; the 32-bit wrap). */
const BACKWARD_TOLERANCE_MS = 1000;
/**
 * A timestamp leaping ahead by more than a slot (at least this, ms) is a gap: it closes the segment instead of
 * stretching it over time that has no media, and the next segment starts after a discontinuity.
 */
const MIN_GAP_MS = 1000;
/** A new publish whose first slot is at most this many behind the last segment is a replay: wait, do not shift. */
const REPLAY_SLOTS = 3;

const FROM_START: TimelineInfo = { jumped: false, fromStart: true };

/** How the first segment is chosen: the first boundary seen whole (after a warm-up), or the first keyframe. */
const enum Start { Verify, Any }

interface OpenSegment {
  readonly seq: number;
  /** Slot of its start (seq without the shift). */
  readonly slot: number;
  /** Muxed only to find the first boundary (a writer that joined mid-stream): never written. */
  readonly warmup: boolean;
  readonly startDts: number;
  lastDts: number;
  /** Last DTS of the leading track (video, or audio when audio-only): where a cut-short segment ends. */
  lastLeadDts: number;
  readonly out: TsBuffer;
  /** Where its pieces go; null for a warm-up (never written). */
  readonly file: SegmentFile | null;
  /** Pieces queued for the disk were dropped (disk behind): the segment is given up at its close. */
  dropped: boolean;
  frames: number;
  readonly discontinuity: boolean;
  readonly video: boolean;
  readonly audio: boolean;
}

export class HlsWriter {
  private muxer = new FlvTsMuxer();
  private readonly window: SegmentOnDisk[] = [];
  private readonly retired: SegmentOnDisk[] = [];
  private cur: OpenSegment | null = null;
  /** Frames past the open segment's slot, waiting for that slot's keyframe (or its end) to place the cut. */
  private held: TsFrame[] = [];
  /** Slot length (ms), keyframe window (ms) and TARGETDURATION (s), fixed for the playlist's life. */
  private readonly slotMs: number;
  private readonly windowMs: number;
  private readonly targetDuration: number;
  /** Added to slot numbers to keep sequence numbers consecutive across discontinuities. */
  private shift = 0;
  private lastSeq = -1;
  private newestDts = -1;
  private start = Start.Verify;
  /** Bytes of segments (pieces and tails) queued but not yet on disk. */
  private pendingBytes = 0;
  private discontinuitySeq = 0;
  private nextDiscontinuity = false;
  /** Metadata announced a video track: wait for a keyframe even if audio comes first. */
  private expectVideo = false;
  private firstAudioDts = -1;
  private lastLeadDts = -1;
  private lastLeadDelta = 0;
  private dirReady: Promise<void> | null = null;
  private readonly queue: SerialQueue;
  private readonly playlistFile: PlaylistFile;
  /** An expired segment, kept on disk for the next segment to take over. */
  private spare: SegmentOnDisk | null = null;
  /** Piece size for the next segment's TS bytes (spillPieceBytes of the last segment's). */
  private pieceBytes = SPILL_BYTES;
  /** The playlist as the HTTP server finds it in livePlaylists: `{app}/{stream}.m3u8`. */
  private readonly playlistRel: string;
  private reportedError = false;
  private reportedSkip = false;

  constructor(
    private readonly paths: HlsPaths,
    private readonly timing: HlsTiming,
    private readonly stats: HlsStats,
    private readonly log: Logger,
    /** Resolves once the startup sweep is done, so it never deletes what this writer writes. */
    private readonly fsReady: Promise<void>,
    /** Called once a segment and the playlist naming it are on disk (the on_hls hook). */
    private readonly onSegment?: (s: WrittenSegment) => void,
    private readonly files: HlsFilePolicy = { sharedDir: false },
  ) {
    this.playlistFile = new PlaylistFile(paths, files.sharedDir);
    this.playlistRel = `${path.basename(paths.appDir)}/${path.basename(paths.playlist)}`;
    this.slotMs = Math.max(1, Math.round(timing.fragmentSeconds * 1000));
    this.targetDuration = Math.max(1, Math.ceil(timing.fragmentSeconds));
    this.windowMs = Math.max(0, this.targetDuration * 1000 + 450 - this.slotMs);
    this.queue = new SerialQueue((e) => {
      this.stats.writeErrors++;
      this.log.warn({ event: 'hls-write-error', stream: paths.stream, err: String(e) }, 'HLS write failed');
    });
  }

  /** `timeline` as the hub gives it; without it (tests feeding files), a timeline seen from its start. */
  onMessage(m: MediaMessage, timeline: TimelineInfo = FROM_START): void {
    try {
      this.handle(m, timeline);
    } catch (e) {
      // A bug here must not reach the hub's fan-out; count it and carry on with the next message.
      this.stats.skippedPayloads++;
      if (!this.reportedError) {
        this.reportedError = true;
        this.log.error({ event: 'hls-mux-error', stream: this.paths.stream, err: String(e) }, 'HLS muxing failed');
      }
    }
  }

  /** The publisher stopped: flush the open segment; files stay until `cleanup()`. */
  end(): void {
    this.discontinue(Start.Verify);
    this.dropSpare();
  }

  /** A new publisher of the same stream within the cleanup delay: continue the sequence after a discontinuity. */
  resume(): void {
    this.muxer = new FlvTsMuxer();
    this.expectVideo = false;
    this.firstAudioDts = -1;
    this.lastLeadDts = -1;
    this.newestDts = -1;
    this.discontinue(Start.Verify);
  }

  /** Deletes the playlist and every segment still on disk (the stream ended `cleanupDelaySeconds` ago). */
  cleanup(): Promise<void> {
    // Defensive: a segment still open (media after end) is given up, so its temp file goes too.
    const open = this.cur?.file;
    this.cur?.out.recycle(this.cur.out.buf);
    this.cur = null;
    this.held = [];
    if (open) this.queue.push(() => open.abort());
    const names = [...this.retired, ...this.window, ...(this.spare ? [this.spare] : [])].map((s) => s.name);
    this.spare = null;
    this.retired.length = 0;
    this.window.length = 0;
    const { paths, playlistRel } = this;
    this.queue.push(async () => {
      livePlaylists.delete(paths.root, playlistRel);
      await this.playlistFile.close();
      await unlinkQuiet(paths.playlist);
      await unlinkQuiet(paths.playlistTmp);
      for (const n of names) await unlinkQuiet(paths.file(n));
      await removeAppDirIfUnused(paths.appDir);
      this.dirReady = null;
    });
    return this.queue.idle();
  }

  /** Resolves when every queued file operation has run (tests, shutdown). */
  flushed(): Promise<void> {
    return this.queue.idle();
  }

  private handle(m: MediaMessage, timeline: TimelineInfo): void {
    // A timeline this server started is seen from its first message: its first keyframe is a boundary.
    if (this.start === Start.Verify && !this.cur && timeline.fromStart) this.start = Start.Any;
    if (m.type === 18) {
      // onMetaData lists `videocodecid` when the encoder will send video (AMF0 key, found as plain bytes).
      if (m.payload.includes('videocodecid')) this.expectVideo = true;
      return;
    }
    const before = this.muxer.skipped;
    const frame = this.muxer.parse(m.type, m.timestamp, m.payload);
    if (this.muxer.skipped !== before) {
      this.stats.skippedPayloads += this.muxer.skipped - before;
      if (!this.reportedSkip) {
        this.reportedSkip = true; // once per stream: a non-H.264/AAC publisher would otherwise log every frame
        this.log.warn({ event: 'hls-skipped-payload', stream: this.paths.stream, type: m.type, head: m.payload.subarray(0, 2).toString('hex') },
          'HLS skipped a malformed or non-H.264/AAC payload');
      }
    }
    if (frame) this.add(frame, timeline.jumped);
  }

  private add(f: TsFrame, jumped: boolean): void {
    if (this.expectVideo && !f.video && !this.muxer.tracks.video) {
      // Metadata promised video that has not come: after a while, go on as an audio-only stream.
      if (this.firstAudioDts < 0) this.firstAudioDts = f.dts;
      else if (f.dts - this.firstAudioDts > Math.max(VIDEO_WAIT_MS, this.timing.fragmentSeconds * 1000)) this.expectVideo = false;
    }
    const lead = f.video || !(this.muxer.tracks.video || this.expectVideo);
    const gapMs = Math.max(MIN_GAP_MS, this.slotMs);
    if (jumped || (this.newestDts >= 0 && (f.dts < this.newestDts - BACKWARD_TOLERANCE_MS || f.dts > this.newestDts + gapMs))) {
      this.discontinue(Start.Any);
      this.newestDts = -1;
    }
    if (f.dts > this.newestDts) this.newestDts = f.dts;
    if (lead) {
      if (this.lastLeadDts >= 0 && f.dts > this.lastLeadDts) this.lastLeadDelta = f.dts - this.lastLeadDts;
      this.lastLeadDts = f.dts;
    }
    this.place(f, lead, lead && f.key);
  }

  private slotOf(dts: number): number {
    return Math.floor(dts / this.slotMs);
  }

  /** Puts a frame into the open segment, or holds it, or cuts/splits first: the segmentation rules above. */
  private place(f: TsFrame, lead: boolean, key: boolean): void {
    const cur = this.cur;
    if (!cur) {
      // Verify: any leading frame opens a warm-up segment; the first boundary after it is seen whole.
      if (this.start === Start.Verify ? lead : key) this.put(this.open(f.dts, this.slotOf(f.dts), this.start === Start.Verify), f);
      return;
    }
    const slot = this.slotOf(f.dts);
    if (this.held.length === 0 && slot <= cur.slot) {
      if (cur.out.total > MAX_SEGMENT_BYTES) this.split(f); // memory bound, whatever the timestamps
      else this.put(cur, f);
      return;
    }
    if (lead) {
      const next = cur.slot + 1;
      const windowEnd = next * this.slotMs + this.windowMs;
      // The next slot's keyframe, early enough in it: the boundary.
      if (key && slot === next && f.dts < windowEnd) {
        this.split(f);
        return;
      }
      // The window passed without one: the boundary is the slot's first frame. Then place f again.
      if (slot > next || f.dts >= windowEnd) {
        const at = this.heldPast(cur, true) ?? this.heldPast(cur, false) ?? f;
        this.split(at);
        if (at !== f) this.place(f, lead, key);
        return;
      }
    }
    // Kept past this message: its parts are slices of the payload, which may be a pooled slab's (valid only now).
    this.held.push({ ...f, parts: [Buffer.concat(f.parts, f.size)] });
  }

  /** The first held frame past the open segment's slot (of the leading track only, if `lead`). */
  private heldPast(cur: OpenSegment, lead: boolean): TsFrame | undefined {
    const videoLed = this.muxer.tracks.video || this.expectVideo;
    return this.held.find((h) => this.slotOf(h.dts) > cur.slot && (!lead || h.video || !videoLed));
  }

  /** Closes the open segment where `at` starts (held frames before it go in first) and opens the next at `at`. */
  private split(at: TsFrame): void {
    const cur = this.cur!;
    const held = this.held;
    this.held = [];
    let i = 0;
    for (; i < held.length && held[i] !== at; i++) this.put(cur, held[i]);
    this.close(at.dts);
    const slot = this.slotOf(at.dts);
    // After a warm-up, a boundary this writer already has (a publish replaying a GOP) is warm-up again.
    const replay = cur.warmup && this.lastSeq >= 0 && slot + this.shift <= this.lastSeq && this.lastSeq - (slot + this.shift) < REPLAY_SLOTS;
    const next = this.open(at.dts, slot, replay);
    for (; i < held.length; i++) this.put(next, held[i]);
    if (!held.includes(at)) this.put(next, at);
  }

  /** A new publish, a jump or the end: flush what is open; the next segment carries a discontinuity. */
  private discontinue(start: Start): void {
    const cur = this.cur;
    if (cur) {
      for (const h of this.held) this.put(cur, h);
      this.close(this.endOf(cur));
    }
    this.held = [];
    this.nextDiscontinuity = true;
    this.start = start;
  }

  private put(cur: OpenSegment, f: TsFrame): void {
    if (f.video ? !cur.video : !cur.audio) return; // track appeared mid-segment: it joins at the next PMT
    this.muxer.mux(f, cur.out);
    cur.frames++;
    if (f.dts > cur.lastDts) cur.lastDts = f.dts;
    const videoLed = this.muxer.tracks.video || this.expectVideo;
    if ((f.video || !videoLed) && f.dts > cur.lastLeadDts) cur.lastLeadDts = f.dts;
  }

  /** Where a segment cut short (end of stream, timestamp jump) ends: one frame after its last leading frame. */
  private endOf(cur: OpenSegment): number {
    return cur.lastLeadDts + this.lastLeadDelta;
  }

  private open(dts: number, slot: number, warmup = false): OpenSegment {
    // After a discontinuity numbers go on by one (MEDIA-SEQUENCE counts segments); they never go back.
    if (!warmup && this.lastSeq >= 0 && (this.nextDiscontinuity || slot + this.shift <= this.lastSeq)) {
      this.shift = this.lastSeq + 1 - slot;
    }
    const seq = slot + this.shift;
    if (!warmup) this.lastSeq = seq;
    let reuse: ReusedFile | null = null;
    if (!warmup && this.spare) { reuse = { file: this.paths.file(this.spare.name), bytes: this.spare.bytes }; this.spare = null; }
    const file = warmup ? null : new SegmentFile(this.paths.file(this.paths.segmentName(seq)), (again) => {
      if (again) this.dirReady = null; // another stream's cleanup removed the shared app directory just now
      return this.ensureDir();
    }, reuse);
    // The TS bytes stream to the file as they are muxed (one write per piece of pieceBytes, off the media path);
    // a warm-up's pieces are only recycled, so it costs one piece of memory and no disk.
    const out: TsBuffer = new TsBuffer(this.pieceBytes, (bytes) => (seg.file ? this.spill(seg, bytes) : out.recycle(bytes)));
    this.muxer.tables(out);
    const { video, audio } = this.muxer.tracks;
    const seg: OpenSegment = this.cur = {
      seq, slot, warmup, startDts: dts, lastDts: dts, lastLeadDts: dts, out, file, dropped: false, frames: 0,
      discontinuity: this.nextDiscontinuity, video, audio,
    };
    if (!warmup) this.nextDiscontinuity = false;
    return seg;
  }

  /** Whether `bytes` more waiting for the disk would pass this stream's bound or the process's. */
  private overBudget(bytes: number): boolean {
    return this.pendingBytes + bytes > MAX_PENDING_BYTES || pendingAll + bytes > MAX_PENDING_ALL_BYTES;
  }

  private pend(bytes: number): void {
    this.pendingBytes += bytes;
    pendingAll += bytes;
  }

  /** Queues a piece of the open segment for its file (or gives the segment up when the disk is too far behind). */
  private spill(seg: OpenSegment, bytes: Buffer): void {
    if (seg.dropped || this.overBudget(bytes.length)) {
      seg.dropped = true;
      seg.out.recycle(bytes);
      return;
    }
    const file = seg.file!;
    this.pend(bytes.length);
    this.queue.push(async () => {
      try {
        await file.append(bytes);
      } finally {
        this.pend(-bytes.length);
        seg.out.recycle(bytes);
      }
    });
  }

  private close(endDts: number): void {
    const cur = this.cur;
    this.cur = null;
    if (!cur) return;
    // Its last piece goes back to the shared pool now (nothing to write) or once written (below).
    if (!cur.file) { cur.out.recycle(cur.out.buf); return; } // a warm-up: its pieces were discarded, it has no file
    const file = cur.file;
    const behind = cur.dropped || this.overBudget(cur.out.length);
    if (cur.frames === 0 || behind) {
      this.queue.push(() => file.abort()); // pieces already written go
      cur.out.recycle(cur.out.buf);
    }
    if (cur.frames === 0) return; // tables only: nothing to play
    if (behind) {
      this.stats.droppedSegments++;
      this.nextDiscontinuity = true;
      this.log.warn({ event: 'hls-segment-dropped', stream: this.paths.stream, seq: cur.seq }, 'HLS disk is behind; segment dropped');
      return;
    }
    const seg: SegmentOnDisk = {
      seq: cur.seq,
      name: this.paths.segmentName(cur.seq),
      durationMs: Math.max(1, endDts - cur.startDts),
      discontinuity: cur.discontinuity,
      bytes: cur.out.total,
    };
    this.window.push(seg);
    this.trimWindow();
    const expired = this.retired.splice(0, Math.max(0, this.retired.length - RETIRED_KEEP));
    // Expired segments' files are taken over by the next segment instead of deleted (segment-file.ts), unless
    // another process may still read one: a sidecar serving the directory, or an on_hls hook told its name.
    if (!this.files.sharedDir && !this.files.segmentNamesOut?.()) {
      if (this.spare) expired.push(this.spare); // not taken over since: deleted after all
      this.spare = expired.shift() ?? null;
    }
    const text = renderPlaylist(this.window, this.targetDuration, this.discontinuitySeq);
    const data = cur.out.bytes();
    const size = cur.out.total;
    this.pieceBytes = spillPieceBytes(size);
    const { paths, stats } = this;
    this.pend(data.length);
    this.queue.push(async () => {
      try {
        await file.finish(data); // the tail, then the rename: the playlist below names a complete file
      } finally {
        this.pend(-data.length);
        cur.out.recycle(data);
      }
      stats.segmentsWritten++;
      stats.bytesWritten += size;
      // The segment is on disk: players here get the new playlist at once, from memory; then the file.
      const raw = Buffer.from(text);
      livePlaylists.set(paths.root, this.playlistRel, paths.playlist, raw);
      await this.playlistFile.write(raw);
      for (const n of expired) await unlinkQuiet(paths.file(n.name));
      this.onSegment?.({ file: paths.file(seg.name), name: seg.name, playlist: paths.playlist, durationMs: seg.durationMs, seq: seg.seq });
    });
  }

  /** Deletes the spare segment file (the stream ended: no next segment takes it over). */
  private dropSpare(): void {
    const spare = this.spare;
    this.spare = null;
    if (spare) { const file = this.paths.file(spare.name); this.queue.push(() => unlinkQuiet(file)); }
  }

  /** Keeps at most `windowSeconds` of segments in the playlist (always the newest one). */
  private trimWindow(): void {
    const limit = this.timing.windowSeconds * 1000;
    let total = this.window.reduce((a, s) => a + s.durationMs, 0);
    while (this.window.length > 1 && total > limit) {
      const old = this.window.shift()!;
      total -= old.durationMs;
      if (old.discontinuity) this.discontinuitySeq++;
      this.retired.push(old);
    }
  }

  /** Creates `{dir}/{app}` once, refusing it if it is (or resolves through) a link leaving `dir`. */
  private ensureDir(): Promise<void> {
    if (!this.dirReady) {
      const { root, appDir } = this.paths;
      this.dirReady = (async () => {
        await this.fsReady;
        await fsp.mkdir(root, { recursive: true });
        await fsp.mkdir(appDir).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
        const st = await fsp.lstat(appDir);
        const real = await fsp.realpath(appDir);
        if (!st.isDirectory() || real !== path.join(await fsp.realpath(root), path.basename(appDir))) {
          throw new Error(`refusing HLS directory ${appDir}: not a plain directory inside ${root}`);
        }
        await fsp.writeFile(path.join(appDir, HLS_DIR_MARKER), '', { flag: 'a' });
      })();
      this.dirReady.catch(() => { this.dirReady = null; });
    }
    return this.dirReady;
  }
}

/** Removes an app directory that holds nothing but our marker (other streams of the app may still use it). */
async function removeAppDirIfUnused(appDir: string): Promise<void> {
  const names = await fsp.readdir(appDir).catch(() => null);
  if (!names || names.some((n) => n !== HLS_DIR_MARKER)) return;
  await unlinkQuiet(path.join(appDir, HLS_DIR_MARKER));
  await fsp.rmdir(appDir).catch(() => undefined);
}

async function unlinkQuiet(p: string): Promise<void> {
  await fsp.unlink(p).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
}
