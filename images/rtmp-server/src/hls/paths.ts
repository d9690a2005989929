/**
 * Where a stream's HLS files live, with the checks that keep every write inside `hls.dir`.
 * Names are validated upstream too; this is the last line before the file system, so it re-checks.
 */
import * as path from 'node:path';
import { isValidName } from '../hub/stream-names';

/**
 * Marks an app directory as created by this server: the startup sweep only deletes in marked directories, so
 * an `hls.dir` pointed at the wrong place (a source tree, `/`) never loses files that are not ours.
 */
export const HLS_DIR_MARKER = '.rtmp-server-hls';

/** The files of one stream: `{dir}/{app}/{stream}.m3u8` and `{dir}/{app}/{stream}-{seq}.ts`. */
export interface HlsPaths {
  /** `path.resolve(dir)`. */
  readonly root: string;
  readonly appDir: string;
  readonly playlist: string;
  /** Temporary playlist in the same directory (written, then renamed over `playlist`). */
  readonly playlistTmp: string;
  readonly stream: string;
  segmentName(seq: number): string;
  /** Absolute path of a file name inside appDir. */
  file(name: string): string;
}

/** Paths for app/stream, or null if a name is unsafe or any resolved path would leave `dir`. */
export function hlsPaths(dir: string, app: string, stream: string): HlsPaths | null {
  if (!isValidName(app) || !isValidName(stream)) return null;
  const root = path.resolve(dir);
  const appDir = path.resolve(root, app);
  if (!isInside(root, appDir)) return null;
  const file = (name: string): string => {
    const p = path.resolve(appDir, name);
    if (path.dirname(p) !== appDir) throw new Error(`HLS path escapes ${appDir}: ${name}`);
    return p;
  };
  return {
    root,
    appDir,
    stream,
    playlist: file(`${stream}.m3u8`),
    playlistTmp: file(`.${stream}.m3u8.tmp`),
    segmentName: (seq) => `${stream}-${seq}.ts`,
    file,
  };
}

/** True if `p` is strictly below `root` (both absolute, resolved). */
export function isInside(root: string, p: string): boolean {
  return p.startsWith(root + path.sep) && p.length > root.length + 1;
}
