/**
 * The HLS segmenter of one stream: FLV messages in, `{stream}-{seq}.ts` segments and a live `{stream}.m3u8` out.
 *
 * A segment starts on a video keyframe (on any audio frame for audio-only streams) and is cut at the first
 * keyframe at/after `fragmentSeconds`. Segment bytes stream to a temporary file in pieces of SPILL_BYTES while
 * the segment is muxed, and it is renamed to its name when the segment closes; then the playlist is replaced
 * atomically (temp file + rename), then segments that left the window are deleted — all through one ordered,
 * non-blocking queue per stream. The media path (onMessage) never touches the disk and never throws.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';
import { FlvTsMuxer, TsBuffer, TsFrame } from '../protocol/mpegts';
import { HLS_DIR_MARKER, HlsPaths } from './hls-paths';
import { PlaylistSegment, renderPlaylist } from './hls-playlist';
import { SerialQueue } from './hls-queue';
import { SegmentFile } from './hls-segment-file';
import type { MediaMessage } from './types';

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

/** Segments that left the playlist but stay on disk a little longer, for players still reading the previous one. */
const RETIRED_KEEP = 1;
/** Muxed TS bytes go to the segment's file in pieces of about this size (memory per stream stays this small). */
const SPILL_BYTES = 128 * 1024;
/** A segment is cut even without a keyframe past this size, to bound memory. */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Segment bytes waiting for the disk beyond this (per stream) are dropped rather than kept in memory. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** Audio this long (ms) without the video that metadata announced makes the stream audio-only. */
const VIDEO_WAIT_MS = 3000;
/** A timestamp going back by more than this (ms) is a discontinuity (publisher restart, encoder reset). */
const BACKWARD_TOLERANCE_MS = 1000;
/**
 * A timestamp leaping ahead by more than this (ms, or 3 fragments if longer) is one too: the gap closes the
 * segment instead of stretching it (and TARGETDURATION with it) over time that has no media.
 */
const FORWARD_JUMP_MS = 10000;

interface OpenSegment {
  readonly seq: number;
  readonly startDts: number;
  lastDts: number;
  /** Last DTS of the leading track (video, or audio when audio-only): where a cut-short segment ends. */
  lastLeadDts: number;
  readonly out: TsBuffer;
  readonly file: SegmentFile;
  /** Pieces queued for the disk were dropped: the segment is given up at its close. */
  dropped: boolean;
  frames: number;
  readonly discontinuity: boolean;
  readonly video: boolean;
  readonly audio: boolean;
}

export class HlsWriter {
  private muxer = new FlvTsMuxer();
  private nextSeq: number;
  private readonly window: PlaylistSegment[] = [];
  private readonly retired: string[] = [];
  private cur: OpenSegment | null = null;
  private maxDurationMs = 0;
  /** Bytes of closed segments not yet on disk. */
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
  private reportedError = false;
  private reportedSkip = false;

  constructor(
    private readonly paths: HlsPaths,
    private readonly timing: HlsTiming,
    private readonly stats: HlsStats,
    private readonly log: Logger,
    /** Resolves once the startup sweep is done, so it never deletes what this writer writes. */
    private readonly fsReady: Promise<void>,
    firstSeq: number,
  ) {
    this.nextSeq = firstSeq;
    this.queue = new SerialQueue((e) => {
      this.stats.writeErrors++;
      this.log.warn({ event: 'hls-write-error', stream: paths.stream, err: String(e) }, 'HLS write failed');
    });
  }

  onMessage(m: MediaMessage): void {
    try {
      this.handle(m);
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
    if (this.cur) this.close(this.endOf(this.cur));
    this.nextDiscontinuity = true;
  }

  /** A new publisher of the same stream within the cleanup delay: continue the sequence after a discontinuity. */
  resume(): void {
    this.muxer = new FlvTsMuxer();
    this.expectVideo = false;
    this.firstAudioDts = -1;
    this.lastLeadDts = -1;
    this.nextDiscontinuity = true;
  }

  /** Deletes the playlist and every segment still on disk (the stream ended `cleanupDelaySeconds` ago). */
  cleanup(): Promise<void> {
    const names = [...this.retired, ...this.window.map((s) => s.name)];
    this.retired.length = 0;
    this.window.length = 0;
    const { paths } = this;
    this.queue.push(async () => {
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

  private handle(m: MediaMessage): void {
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
    if (frame) this.add(frame);
  }

  private add(f: TsFrame): void {
    if (this.expectVideo && !f.video && !this.muxer.tracks.video) {
      // Metadata promised video that has not come: after a while, go on as an audio-only stream.
      if (this.firstAudioDts < 0) this.firstAudioDts = f.dts;
      else if (f.dts - this.firstAudioDts > Math.max(VIDEO_WAIT_MS, this.timing.fragmentSeconds * 1000)) this.expectVideo = false;
    }
    const videoLed = this.muxer.tracks.video || this.expectVideo;
    const lead = f.video || !videoLed;
    const boundary = lead && f.key;
    let cur = this.cur;
    const jumpMs = Math.max(FORWARD_JUMP_MS, 3 * this.timing.fragmentSeconds * 1000);
    if (cur && (f.dts < cur.lastDts - BACKWARD_TOLERANCE_MS || f.dts > cur.lastDts + jumpMs)) {
      this.close(this.endOf(cur));
      this.nextDiscontinuity = true;
      this.lastLeadDts = -1;
      cur = null;
    }
    if (lead) {
      if (this.lastLeadDts >= 0 && f.dts > this.lastLeadDts) this.lastLeadDelta = f.dts - this.lastLeadDts;
      this.lastLeadDts = f.dts;
    }
    if (cur) {
      const long = f.dts - cur.startDts >= this.timing.fragmentSeconds * 1000;
      if ((boundary && long) || cur.out.total > MAX_SEGMENT_BYTES) {
        this.close(f.dts);
        cur = null;
      }
    }
    if (!cur) {
      if (!boundary) return; // wait for a keyframe: a segment must be decodable on its own
      cur = this.open(f.dts);
    }
    if (f.video ? !cur.video : !cur.audio) return; // track appeared mid-segment: it joins at the next PMT
    this.muxer.mux(f, cur.out);
    cur.frames++;
    if (f.dts > cur.lastDts) cur.lastDts = f.dts;
    if (lead && f.dts > cur.lastLeadDts) cur.lastLeadDts = f.dts;
  }

  /** Where a segment cut short (end of stream, timestamp jump) ends: one frame after its last leading frame. */
  private endOf(cur: OpenSegment): number {
    return cur.lastLeadDts + this.lastLeadDelta;
  }

  private open(dts: number): OpenSegment {
    const seq = this.nextSeq++;
    const file = new SegmentFile(this.paths.file(this.paths.segmentName(seq)), (again) => {
      if (again) this.dirReady = null;
      return this.ensureDir();
    });
    // The TS bytes stream to the file as they are muxed (one write per SPILL_BYTES, off the media path).
    const out: TsBuffer = new TsBuffer(SPILL_BYTES, (bytes) => this.spill(seg, bytes));
    this.muxer.tables(out);
    const { video, audio } = this.muxer.tracks;
    const seg: OpenSegment = this.cur = {
      seq, startDts: dts, lastDts: dts, lastLeadDts: dts, out, file, dropped: false, frames: 0,
      discontinuity: this.nextDiscontinuity, video, audio,
    };
    this.nextDiscontinuity = false;
    return this.cur;
  }

  /** Queues a piece of the open segment for its file (or gives the segment up when the disk is too far behind). */
  private spill(seg: OpenSegment, bytes: Buffer): void {
    if (seg.dropped || this.pendingBytes + bytes.length > MAX_PENDING_BYTES) {
      seg.dropped = true;
      return;
    }
    this.pendingBytes += bytes.length;
    this.queue.push(async () => {
      try {
        await seg.file.append(bytes);
      } finally {
        this.pendingBytes -= bytes.length;
        seg.out.recycle(bytes);
      }
    });
  }

  private close(endDts: number): void {
    const cur = this.cur;
    this.cur = null;
    if (!cur) return;
    const behind = cur.dropped || this.pendingBytes + cur.out.length > MAX_PENDING_BYTES;
    if (cur.frames === 0 || behind) this.queue.push(() => cur.file.abort()); // pieces already written go
    if (cur.frames === 0) return; // tables only: nothing to play
    if (behind) {
      this.stats.droppedSegments++;
      this.nextDiscontinuity = true;
      this.log.warn({ event: 'hls-segment-dropped', stream: this.paths.stream, seq: cur.seq }, 'HLS disk is behind; segment dropped');
      return;
    }
    const seg: PlaylistSegment = {
      seq: cur.seq,
      name: this.paths.segmentName(cur.seq),
      durationMs: Math.max(1, endDts - cur.startDts),
      discontinuity: cur.discontinuity,
    };
    this.maxDurationMs = Math.max(this.maxDurationMs, seg.durationMs);
    this.window.push(seg);
    this.trimWindow();
    const expired = this.retired.splice(0, Math.max(0, this.retired.length - RETIRED_KEEP));
    const target = Math.max(1, Math.ceil(this.maxDurationMs / 1000), Math.ceil(this.timing.fragmentSeconds));
    const text = renderPlaylist(this.window, target, this.discontinuitySeq);
    const data = cur.out.bytes();
    const size = cur.out.total;
    const { paths, stats } = this;
    this.pendingBytes += data.length;
    this.queue.push(async () => {
      try {
        await cur.file.finish(data);
      } finally {
        this.pendingBytes -= data.length;
      }
      stats.segmentsWritten++;
      stats.bytesWritten += size;
      await fsp.writeFile(paths.playlistTmp, text);
      await fsp.rename(paths.playlistTmp, paths.playlist);
      for (const n of expired) await unlinkQuiet(paths.file(n));
    });
  }

  /** Keeps at most `windowSeconds` of segments in the playlist (always the newest one). */
  private trimWindow(): void {
    const limit = this.timing.windowSeconds * 1000;
    let total = this.window.reduce((a, s) => a + s.durationMs, 0);
    while (this.window.length > 1 && total > limit) {
      const old = this.window.shift()!;
      total -= old.durationMs;
      if (old.discontinuity) this.discontinuitySeq++;
      this.retired.push(old.name);
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
