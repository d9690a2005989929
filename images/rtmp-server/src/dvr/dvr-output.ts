/**
 * Recording (DVR) for the hub: a MediaSink factory that gives every published stream a DvrRecorder, finishes
 * each closed file (moved from `.flv.tmp` without replacing any file, place-file.ts, or remuxed to MP4 with ffmpeg) and reports it through `onFileClosed`
 * (the SRS `on_dvr` callback is wired to it), and runs the `dvr.keepHours` retention.
 *
 * Reload: format, segmentSeconds, pathTemplate and keepHours apply to the next file / sweep; `dvr.dir` and
 * `dvr.enabled` need a restart (returned by setConfig, left unchanged).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { DvrConfig } from '../../../../lib/server-config';
import type { MediaSink } from '../hub/types';
import type { Logger } from '../log';
import { ClosedRecording, DvrRecorder, DvrStats, emptyDvrStats } from './dvr-recorder';
import { DvrPaths, dvrPaths } from './dvr-paths';
import { numbered, placeFile } from './place-file';
import { remuxToMp4 } from './remux';
import { deleteOldRecordings, retentionIntervalMs } from './retention';

/** A finished recording, as `onFileClosed` receives it (SRS `on_dvr` carries `cwd` and `file`). */
export interface DvrFileInfo {
  readonly app: string;
  readonly stream: string;
  /** Absolute path of the finished file. */
  readonly file: string;
  /** `dvr.dir`, resolved: `file` relative to it is `path.relative(dir, file)`. */
  readonly dir: string;
  readonly format: 'flv' | 'mp4';
  /** Wall-clock start of the file (ms since 1970). */
  readonly startedAt: number;
  readonly durationSeconds: number;
  readonly bytes: number;
}

export interface DvrOptions {
  /** Called once per finished file (after the rename or remux); errors it throws are logged. */
  readonly onFileClosed?: (info: DvrFileInfo) => void;
}

export interface DvrSinkFactory {
  (app: string, stream: string): MediaSink | null;
  setConfig(next: DvrConfig): string[];
  readonly stats: DvrStats;
  /** Waits until every file closed so far is finished (tests, shutdown). */
  flush(): Promise<void>;
  /** Stops the retention timer. */
  close(): void;
}

export function createDvrSinkFactory(cfg: DvrConfig, log: Logger, options: DvrOptions = {}): DvrSinkFactory {
  let current = cfg;
  const stats = emptyDvrStats();
  const recorders = new Set<DvrRecorder>();
  const finishing = new Set<Promise<void>>();
  /**
   * Temp paths of the recordings open or finishing in this process. Two recordings whose template renders the same
   * path (started in the same millisecond, or a template coarser than that) would share one temp file and the second
   * would be renamed over the first; the later one gets `-1`, `-2`, … instead.
   */
  const claimed = new Set<string>();
  const claim = (p: DvrPaths): DvrPaths => {
    let free = p;
    // The same `-n` naming as a finished file that finds its name taken (place-file.ts); `x.flv.tmp` → `x-n.flv.tmp`.
    for (let n = 1; claimed.has(free.temp); n++) {
      free = { root: p.root, file: numbered(p.file, n), temp: `${numbered(p.temp.slice(0, -'.tmp'.length), n)}.tmp` };
    }
    claimed.add(free.temp);
    return free;
  };

  const finish = async (app: string, stream: string, c: ClosedRecording): Promise<void> => {
    let file = c.paths.file;
    let format = c.format;
    try {
      if (format === 'mp4') {
        const tmp = `${c.paths.file}.tmp`;
        try {
          await remuxToMp4(c.paths.temp, tmp);
          file = await placeFile(tmp, file);
          await fsp.unlink(c.paths.temp);
        } catch (e) {
          // The recording is kept as FLV rather than lost.
          stats.remuxFailures++;
          await fsp.unlink(tmp).catch(() => undefined);
          file = c.paths.file.replace(/\.mp4$/, '.flv');
          format = 'flv';
          log.error({ event: 'dvr-remux-failed', app, stream, file, err: (e as Error).message }, 'MP4 remux failed; kept the FLV');
          file = await placeFile(c.paths.temp, file);
        }
      } else {
        file = await placeFile(c.paths.temp, file);
      }
    } catch (e) {
      stats.writeErrors++;
      log.error({ event: 'dvr-finish-failed', app, stream, file, err: String(e) }, 'DVR file could not be finished');
      return;
    }
    stats.filesWritten++;
    const info: DvrFileInfo = {
      app, stream, file, dir: c.paths.root, format, startedAt: c.startedAt, durationSeconds: c.durationSeconds, bytes: c.bytes,
    };
    log.info({ event: 'dvr-file', ...info }, 'recording closed');
    try {
      options.onFileClosed?.(info);
    } catch (e) {
      log.error({ event: 'dvr-callback-error', err: (e as Error).message }, 'onFileClosed failed');
    }
  };

  const factory = ((app: string, stream: string): MediaSink | null => {
    if (!current.enabled) return null;
    if (!dvrPaths(current.dir, current.pathTemplate, current.format, app, stream, Date.now())) {
      stats.refusedNames++;
      log.warn({ event: 'dvr-refused', app, stream }, 'DVR refused an unsafe stream name or path');
      return null;
    }
    const rec = new DvrRecorder(app, stream, {
      segmentSeconds: () => current.segmentSeconds,
      pathsFor: (startMs) => {
        const paths = dvrPaths(current.dir, current.pathTemplate, current.format, app, stream, startMs);
        return paths ? { paths: claim(paths), format: current.format } : null;
      },
      release: (paths) => { claimed.delete(paths.temp); },
      finish: (c) => {
        const p = finish(app, stream, c).finally(() => { finishing.delete(p); claimed.delete(c.paths.temp); });
        finishing.add(p);
        return p;
      },
      stats,
      log,
    });
    recorders.add(rec);
    let ended = false;
    return {
      onMessage: (m) => rec.onMessage(m),
      end: () => {
        if (ended) return;
        ended = true;
        rec.end();
        void rec.flushed().then(() => recorders.delete(rec));
      },
    };
  }) as DvrSinkFactory;

  let retention: NodeJS.Timeout | null = null;
  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping || !(current.keepHours > 0)) return;
    sweeping = true;
    try {
      const n = await deleteOldRecordings(current.dir, current.keepHours);
      stats.filesDeleted += n;
      if (n) log.info({ event: 'dvr-retention', dir: path.resolve(current.dir), deleted: n }, 'old recordings deleted');
    } finally {
      sweeping = false;
    }
  };
  const schedule = (): void => {
    if (retention) clearInterval(retention);
    retention = null;
    if (!current.enabled || !(current.keepHours > 0)) return;
    void sweep();
    retention = setInterval(() => void sweep(), retentionIntervalMs(current.keepHours));
    retention.unref();
  };
  schedule();

  factory.setConfig = (next: DvrConfig): string[] => {
    const restart: string[] = [];
    if (next.dir !== current.dir) restart.push('dvr.dir');
    if (next.enabled !== current.enabled) restart.push('dvr.enabled');
    const keepChanged = next.keepHours !== current.keepHours;
    current = { ...next, dir: current.dir, enabled: current.enabled };
    if (keepChanged) schedule();
    return restart;
  };
  Object.defineProperty(factory, 'stats', { value: stats });
  factory.flush = async () => {
    await Promise.all([...recorders].map((r) => r.flushed()));
    await Promise.all([...finishing]);
  };
  factory.close = () => {
    if (retention) clearInterval(retention);
    retention = null;
  };
  return factory;
}
