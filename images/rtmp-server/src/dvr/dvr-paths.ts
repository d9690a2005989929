/**
 * Where a recording goes: `dvr.pathTemplate` rendered under `dvr.dir`, with the checks that keep every file
 * inside it (as hls/paths.ts does for HLS). Names are validated upstream; this is the last line before the
 * file system, so it re-checks, and the recorder re-checks the real directory after creating it (symlinks).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../hls/paths';
import { isValidName } from '../hub/stream-names';

export type DvrFormat = 'flv' | 'mp4';

/** One recording's paths: it is written to `temp` (FLV) and becomes `file` when closed. */
export interface DvrPaths {
  /** `path.resolve(dvr.dir)`. */
  readonly root: string;
  /** The finished file, `.flv` or `.mp4`. */
  readonly file: string;
  /** The FLV being written: `{file without extension}.flv.tmp` (never matched by players or retention of finished files). */
  readonly temp: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The template with its placeholders filled in (SRS names; date parts in UTC). */
export function renderTemplate(template: string, app: string, stream: string, startMs: number): string {
  const d = new Date(startMs);
  const values: Record<string, string> = {
    '[app]': app,
    '[stream]': stream,
    '[timestamp]': String(startMs),
    '[2006]': String(d.getUTCFullYear()),
    '[01]': pad(d.getUTCMonth() + 1),
    '[02]': pad(d.getUTCDate()),
    '[15]': pad(d.getUTCHours()),
    '[04]': pad(d.getUTCMinutes()),
    '[05]': pad(d.getUTCSeconds()),
    '[999]': pad(d.getUTCMilliseconds(), 3),
  };
  return template.replace(/\[(app|stream|timestamp|2006|01|02|15|04|05|999)\]/g, (p) => values[p]);
}

/** Paths of a recording starting at `startMs`, or null if a name is unsafe or the path would leave `dir`. */
export function dvrPaths(dir: string, template: string, format: DvrFormat, app: string, stream: string, startMs: number): DvrPaths | null {
  if (!isValidName(app) || !isValidName(stream)) return null;
  const root = path.resolve(dir);
  const rendered = renderTemplate(template, app, stream, startMs).replace(/\.(flv|mp4)$/i, '');
  if (path.isAbsolute(rendered) || rendered.split('/').some((s) => s === '..' || s === '.' || s === '' || s.includes('\\'))) return null;
  const base = path.resolve(root, rendered);
  if (!isInside(root, base)) return null;
  return { root, file: `${base}.${format}`, temp: `${base}.flv.tmp` };
}

/**
 * Creates the recording's directory one level at a time below the root, refusing any level that is a symbolic
 * link or not a directory: a link planted inside dvr.dir (pointing anywhere) is never written through, and not
 * even a directory is created beyond it. The root itself may be a link (a volume mount).
 */
export async function prepareDirectory(p: DvrPaths): Promise<void> {
  await fsp.mkdir(p.root, { recursive: true });
  let dir = p.root;
  for (const segment of path.relative(p.root, path.dirname(p.temp)).split(path.sep).filter(Boolean)) {
    dir = path.join(dir, segment);
    await fsp.mkdir(dir).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
    if (!(await fsp.lstat(dir)).isDirectory()) {
      throw new Error(`DVR path ${dir} is a symbolic link or not a directory: nothing is written through it`);
    }
  }
}
