/**
 * HLS output for the hub: a MediaSink factory that gives every published stream an HlsWriter, removes an ended
 * stream's files after `hls.cleanupDelaySeconds`, lets a stream that comes back before that continue its
 * playlist, and sweeps files left in `hls.dir` by a previous run (only in directories it marked as its own).
 *
 * Reload: `factory.setConfig(next)` applies windowSeconds / cleanupDelaySeconds to running writers at their
 * next segment (and to cleanups scheduled afterwards), and fragmentSeconds to playlists started afterwards (a
 * playlist keeps its TARGETDURATION for life); it returns the fields that need a restart (`hls.dir`,
 * `hls.enabled`), which it leaves unchanged.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { HlsConfig } from '../../../../lib/server-config';
import type { Logger } from '../log';
import { HLS_DIR_MARKER, hlsPaths } from './paths';
import { emptyHlsStats, HlsStats, HlsTiming, HlsWriter, WrittenSegment } from './writer';
import type { MediaSink } from '../hub/types';

export interface HlsSinkFactory {
  (app: string, stream: string): MediaSink | null;
  /** Applies timing changes; returns the changed fields that only a restart applies. */
  setConfig(next: HlsConfig): string[];
  /** Counters for logs and /metrics. */
  readonly stats: HlsStats;
  /** Resolves when the startup sweep has finished. */
  readonly swept: Promise<void>;
  /** Waits for every stream's queued writes (tests, shutdown). */
  flush(): Promise<void>;
  /** Cancels pending cleanups (process exit); files are swept at the next start. */
  close(): void;
}

interface Entry {
  readonly writer: HlsWriter;
  /** Bumped for each new sink, so a replaced sink's late calls are ignored. */
  generation: number;
  active: boolean;
  cleanupTimer: NodeJS.Timeout | null;
}

export function createHlsSinkFactory(
  cfg: HlsConfig, log: Logger,
  /** Each segment written, by stream (the on_hls hook). */
  onSegment?: (app: string, stream: string, s: WrittenSegment) => void,
  /** Whether segment file names are handed out now (on_hls hooks configured): expired files are then never reused. */
  segmentNamesOut?: () => boolean,
): HlsSinkFactory {
  let current = cfg;
  const timing: HlsTiming = {
    fragmentSeconds: cfg.fragmentSeconds,
    windowSeconds: cfg.windowSeconds,
    cleanupDelaySeconds: cfg.cleanupDelaySeconds,
  };
  const stats = emptyHlsStats();
  const entries = new Map<string, Entry>();
  /** Cleanups still deleting files, by stream: a stream that starts again waits for its old files to go. */
  const cleanups = new Map<string, Promise<void>>();
  const swept = cfg.enabled ? sweep(cfg.dir, log) : Promise.resolve();

  const scheduleCleanup = (key: string, e: Entry): void => {
    e.cleanupTimer = setTimeout(() => {
      e.cleanupTimer = null;
      if (e.active || entries.get(key) !== e) return;
      entries.delete(key);
      const done = e.writer.cleanup().finally(() => { if (cleanups.get(key) === done) cleanups.delete(key); });
      cleanups.set(key, done);
      log.info({ event: 'hls-cleanup', stream: key }, 'HLS files of ended stream removed');
    }, timing.cleanupDelaySeconds * 1000);
    e.cleanupTimer.unref();
  };

  const factory = ((app: string, stream: string): MediaSink | null => {
    if (!current.enabled) return null;
    const paths = hlsPaths(current.dir, app, stream);
    if (!paths) {
      stats.refusedNames++;
      log.warn({ event: 'hls-refused', app, stream }, 'HLS refused an unsafe stream name');
      return null;
    }
    const key = `${app}/${stream}`;
    let e = entries.get(key);
    if (e) {
      if (e.cleanupTimer) clearTimeout(e.cleanupTimer);
      e.cleanupTimer = null;
      if (e.active) e.writer.end();
      e.writer.resume();
    } else {
      // Sequence numbers come from the stream's timestamps, which the hub starts at the wall clock for a new
      // encoder (hub/timeline.ts): a stream published again never reuses a name a cache may still hold.
      const ready = Promise.all([swept, cleanups.get(key)]).then(() => undefined);
      const written = onSegment && ((seg: WrittenSegment) => onSegment(app, stream, seg));
      e = { writer: new HlsWriter(paths, timing, stats, log, ready, written, { sharedDir: current.sharedDir, segmentNamesOut }), generation: 0, active: false, cleanupTimer: null };
      entries.set(key, e);
    }
    const entry = e;
    const gen = ++entry.generation;
    entry.active = true;
    return {
      onMessage: (m, timeline) => { if (entry.generation === gen) entry.writer.onMessage(m, timeline); },
      end: () => {
        if (entry.generation !== gen || !entry.active) return;
        entry.active = false;
        entry.writer.end();
        scheduleCleanup(key, entry);
      },
    };
  }) as HlsSinkFactory;

  factory.setConfig = (next: HlsConfig): string[] => {
    const restart: string[] = [];
    if (next.dir !== current.dir) restart.push('hls.dir');
    if (next.enabled !== current.enabled) restart.push('hls.enabled');
    timing.fragmentSeconds = next.fragmentSeconds;
    timing.windowSeconds = next.windowSeconds;
    timing.cleanupDelaySeconds = next.cleanupDelaySeconds;
    current = { ...next, dir: current.dir, enabled: current.enabled };
    return restart;
  };
  Object.defineProperty(factory, 'stats', { value: stats });
  Object.defineProperty(factory, 'swept', { value: swept });
  factory.flush = async () => {
    await swept;
    await Promise.all([...entries.values()].map((e) => e.writer.flushed()));
    await Promise.all(cleanups.values());
  };
  factory.close = () => {
    for (const e of entries.values()) if (e.cleanupTimer) clearTimeout(e.cleanupTimer);
  };
  return factory;
}

/**
 * Removes what a previous run left: `*.m3u8`, `*.ts` and temp files in `{dir}/{app}/` directories that carry
 * our marker (so a mistaken `hls.dir` never costs anyone their files), then the emptied directories.
 * Never follows links.
 */
async function sweep(dir: string, log: Logger): Promise<void> {
  const root = path.resolve(dir);
  let removed = 0;
  try {
    await fsp.mkdir(root, { recursive: true });
    for (const app of await fsp.readdir(root, { withFileTypes: true })) {
      if (!app.isDirectory()) continue;
      const appDir = path.join(root, app.name);
      const files = await fsp.readdir(appDir, { withFileTypes: true });
      if (!files.some((f) => f.name === HLS_DIR_MARKER && f.isFile())) continue;
      for (const f of files) {
        if ((f.isFile() || f.isSymbolicLink()) && (/\.(m3u8|ts|tmp)$/.test(f.name) || f.name === HLS_DIR_MARKER)) {
          await fsp.unlink(path.join(appDir, f.name)).catch(() => undefined);
          removed++;
        }
      }
      await fsp.rmdir(appDir).catch(() => undefined);
    }
  } catch (e) {
    log.warn({ event: 'hls-sweep-error', dir: root, err: String(e) }, 'HLS startup sweep failed');
    return;
  }
  if (removed) log.info({ event: 'hls-sweep', dir: root, removed }, 'removed stale HLS files');
}
