/**
 * The recorder of one published stream: FLV tags in, FLV files out (protocol/flv.ts framing).
 *
 * A file starts on a video keyframe (on any audio frame for audio-only streams) with the stream's metadata and
 * sequence headers at timestamp 0, and rolls at the first keyframe at/after `segmentSeconds` (0: one file per
 * publish). Tags are batched in memory and written through one ordered queue per stream, so the media path
 * (onMessage) never touches the disk and never throws. When the disk falls behind by more than MAX_PENDING_BYTES
 * the recorder drops frames up to the next keyframe (counted) rather than growing memory.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Kind, classify, normalizeMetadata } from '../hub/media-kind';
import { SerialQueue } from '../hls/queue';
import { AUDIO, DATA, MediaMessage, ownedCopy, VIDEO } from '../hub/types';
import type { Logger } from '../log';
import { flvHeader, writeFlvTag } from '../protocol/flv';
import { DvrFormat, DvrPaths, prepareDirectory } from './dvr-paths';

/** Counters shared by all recorders (for logs and /metrics). */
export interface DvrStats {
  filesWritten: number;
  bytesWritten: number;
  writeErrors: number;
  droppedFrames: number;
  refusedNames: number;
  remuxFailures: number;
  filesDeleted: number;
  recordingsActive: number;
}

export function emptyDvrStats(): DvrStats {
  return { filesWritten: 0, bytesWritten: 0, writeErrors: 0, droppedFrames: 0, refusedNames: 0, remuxFailures: 0, filesDeleted: 0, recordingsActive: 0 };
}

/** A file as it was closed (handed to finishing: rename or remux, then the onFileClosed callback). */
export interface ClosedRecording {
  readonly paths: DvrPaths;
  readonly format: DvrFormat;
  readonly startedAt: number;
  readonly durationSeconds: number;
  readonly bytes: number;
}

/** What the recorder asks of its owner (dvr-output.ts): settings at each decision, paths, and where closed files go. */
export interface RecorderDeps {
  readonly segmentSeconds: () => number;
  /** Paths for a file starting now, or null (unsafe name: the stream is not recorded). */
  readonly pathsFor: (startMs: number) => { paths: DvrPaths; format: DvrFormat } | null;
  readonly finish: (closed: ClosedRecording) => Promise<void>;
  /** A file from `pathsFor` that was never opened (so never finished): its paths are free again. */
  readonly release: (paths: DvrPaths) => void;
  readonly stats: DvrStats;
  readonly log: Logger;
}

/** Batched tags are written once they reach this size (or at FLUSH_MS). */
const FLUSH_BYTES = 256 * 1024;
/** Size of a batch buffer: tags are written straight into it (one copy of each payload, no buffer per tag). */
const BATCH_BYTES = 512 * 1024;
const FLUSH_MS = 1000;
/** Bytes waiting for the disk beyond this (per stream) are dropped rather than kept in memory. */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;

interface OpenFile {
  readonly paths: DvrPaths;
  readonly format: DvrFormat;
  readonly startedAt: number;
  /** Stream timestamp of the first tag: file timestamps start at 0. */
  readonly startTs: number;
  lastTs: number;
  bytes: number;
  handle: FileHandle | null;
  failed: boolean;
}

export class DvrRecorder {
  private metadata: Buffer | null = null;
  private videoConfig: MediaMessage | null = null;
  private audioConfig: MediaMessage | null = null;
  private file: OpenFile | null = null;
  /** Tags not yet handed to the queue, in `batch[0, batchBytes)`. */
  private batch: Buffer | null = null;
  private batchBytes = 0;
  /** Bytes handed to the queue and not yet written. */
  private pendingBytes = 0;
  private waitKeyframe = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: SerialQueue;
  private refused = false;

  constructor(private readonly app: string, private readonly stream: string, private readonly deps: RecorderDeps) {
    this.queue = new SerialQueue((e) => {
      deps.stats.writeErrors++;
      deps.log.error({ event: 'dvr-write-error', app, stream, err: String(e) }, 'DVR write failed');
    });
  }

  onMessage(m: MediaMessage): void {
    if (this.refused) return;
    const kind = classify(m);
    switch (kind) {
      case Kind.Metadata: this.metadata = Buffer.from(normalizeMetadata(m.payload)); break;
      case Kind.VideoConfig: this.videoConfig = ownedCopy(m); break;
      case Kind.AudioConfig: this.audioConfig = ownedCopy(m); break;
      default: break;
    }
    const leads = kind === Kind.Keyframe || (kind === Kind.Frame && m.type === AUDIO && !this.videoConfig);
    if (leads) {
      const f = this.file;
      if (!f) this.open(m.timestamp);
      else if (this.deps.segmentSeconds() > 0 && m.timestamp - f.startTs >= this.deps.segmentSeconds() * 1000) {
        this.close();
        this.open(m.timestamp);
      }
      if (kind === Kind.Keyframe || m.type === AUDIO) this.waitKeyframe = false;
    }
    const f = this.file;
    if (!f || f.failed) return;
    if (kind === Kind.Frame || kind === Kind.Keyframe) {
      if (this.waitKeyframe || this.pendingBytes + this.batchBytes > MAX_PENDING_BYTES) {
        if (!this.waitKeyframe) this.waitKeyframe = m.type === VIDEO || !!this.videoConfig;
        this.deps.stats.droppedFrames++;
        return;
      }
    }
    const payload = kind === Kind.Metadata ? this.metadata! : m.payload;
    this.append(f, m.type, m.timestamp, payload);
  }

  /** The publisher left: close the open file (it is finished in the background). */
  end(): void {
    this.close();
    this.refused = true;
  }

  /** Resolves when everything queued so far is on disk (tests, shutdown). */
  flushed(): Promise<void> {
    return this.queue.idle();
  }

  private open(ts: number): void {
    const startedAt = Date.now();
    const where = this.deps.pathsFor(startedAt);
    if (!where) {
      this.refused = true;
      return;
    }
    const f: OpenFile = { ...where, startedAt, startTs: ts, lastTs: ts, bytes: 0, handle: null, failed: false };
    this.file = f;
    this.deps.stats.recordingsActive++;
    this.queue.push(async () => {
      try {
        await prepareDirectory(f.paths);
        f.handle = await fsp.open(f.paths.temp, 'wx'); // never follows or replaces an existing file or link
      } catch (e) {
        f.failed = true;
        throw e;
      }
    });
    this.deps.log.info({ event: 'dvr-start', app: this.app, stream: this.stream, file: f.paths.temp }, 'recording started');
    const header = flvHeader(!!this.audioConfig || !this.videoConfig, !!this.videoConfig);
    this.reserve(header.length);
    this.batchBytes += header.copy(this.batch!, this.batchBytes);
    if (this.metadata) this.append(f, DATA, ts, this.metadata);
    if (this.videoConfig) this.append(f, VIDEO, ts, this.videoConfig.payload);
    if (this.audioConfig) this.append(f, AUDIO, ts, this.audioConfig.payload);
  }

  private append(f: OpenFile, type: number, ts: number, payload: Buffer): void {
    const rel = Math.max(0, ts - f.startTs);
    if (ts > f.lastTs) f.lastTs = ts;
    this.reserve(15 + payload.length);
    this.batchBytes = writeFlvTag(this.batch!, this.batchBytes, type, rel, payload);
    if (this.batchBytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Makes room for `n` bytes in the batch (writing out the current one first when it is too full). */
  private reserve(n: number): void {
    if (this.batch && this.batchBytes + n > this.batch.length) this.flush();
    if (!this.batch) this.batch = Buffer.allocUnsafe(Math.max(BATCH_BYTES, n));
  }

  private flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const f = this.file;
    if (!f || !this.batch || this.batchBytes === 0) return;
    const data = this.batch.subarray(0, this.batchBytes);
    this.batch = null;
    this.batchBytes = 0;
    this.pendingBytes += data.length;
    this.queue.push(async () => {
      try {
        if (f.failed || !f.handle) return;
        for (let off = 0; off < data.length;) off += (await f.handle.write(data, off)).bytesWritten;
        f.bytes += data.length;
        this.deps.stats.bytesWritten += data.length;
      } catch (e) {
        f.failed = true;
        throw e;
      } finally {
        this.pendingBytes -= data.length;
      }
    });
  }

  private close(): void {
    const f = this.file;
    if (!f) return;
    this.flush();
    this.file = null;
    this.deps.stats.recordingsActive--;
    this.queue.push(async () => {
      // Never opened (a link or another file in the way, no space for the directory): nothing of ours to finish,
      // and whatever is at the path is not ours to delete.
      if (!f.handle) { this.deps.release(f.paths); return; }
      // A write that failed later (disk full) leaves an FLV readable up to the failure: it is kept, not deleted.
      await f.handle.close();
      const closed: ClosedRecording = {
        paths: f.paths, format: f.format, startedAt: f.startedAt, bytes: f.bytes,
        durationSeconds: Math.max(0, f.lastTs - f.startTs) / 1000,
      };
      // Finishing (rename, or an ffmpeg remux) runs beside the queue: the next file need not wait for it.
      void this.deps.finish(closed);
    });
  }
}

