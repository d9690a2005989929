/**
 * `dvr.keepHours`: deletes recordings (`*.flv`, `*.mp4`, and `*.tmp` left by a crash) last modified longer ago
 * than that, then the directories this emptied. Walks `dvr.dir` without following links, and touches nothing
 * else, so a wrong `dvr.dir` costs nobody their other files. A recording in progress is written every second,
 * so its modification time is always recent.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

const RECORDING = /\.(flv|mp4|flv\.tmp|mp4\.tmp)$/;

/** Deletes what is older than `keepHours` under `dir`; returns how many files went. */
export async function deleteOldRecordings(dir: string, keepHours: number, now = Date.now()): Promise<number> {
  if (!(keepHours > 0)) return 0;
  const cutoff = now - keepHours * 3600 * 1000;
  const root = path.resolve(dir);
  let deleted = 0;
  /** Returns whether it deleted anything below `d`. */
  const walk = async (d: string): Promise<boolean> => {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return false;
    }
    let any = false;
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        // Only directories this sweep emptied go (rmdir fails unless empty): a directory just made for a new
        // recording is left alone.
        if (await walk(p)) {
          any = true;
          await fsp.rmdir(p).catch(() => undefined);
        }
      } else if (e.isFile() && RECORDING.test(e.name)) {
        const st = await fsp.lstat(p).catch(() => null);
        if (st && st.mtimeMs < cutoff && (await fsp.unlink(p).then(() => true, () => false))) {
          deleted++;
          any = true;
        }
      }
    }
    return any;
  };
  await walk(root);
  return deleted;
}

/** How often the sweep runs: a quarter of keepHours, between 1 s and 10 min. */
export function retentionIntervalMs(keepHours: number): number {
  return Math.min(10 * 60 * 1000, Math.max(1000, (keepHours * 3600 * 1000) / 4));
}
