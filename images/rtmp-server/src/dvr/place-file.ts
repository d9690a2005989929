/**
 * Gives a finished recording its name without ever replacing a file: a recording finished earlier at the same
 * path (by another run of the server, or a pod before this one on the same volume) keeps it, and this one is
 * numbered `-1`, `-2`, … A hard link is the no-clobber move (it fails with EEXIST where rename would replace);
 * volumes without hard links (some network filesystems) get a check-then-rename instead.
 */
import { promises as fsp } from 'node:fs';

/** Numbered names tried before giving up (a directory with that many same-named recordings is a broken template). */
const MAX_NUMBER = 1000;
/** link(2) errors that mean "this filesystem has no hard links", not "this name is taken". */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** `file` with `-n` before its extension (`a/b.flv` → `a/b-2.flv`). */
export function numbered(file: string, n: number): string {
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return dot > slash + 1 ? `${file.slice(0, dot)}-${n}${file.slice(dot)}` : `${file}-${n}`;
}

/** Moves `src` to `dst`, or to the first free numbered name after it; returns the path it now has. */
export async function placeFile(src: string, dst: string): Promise<string> {
  for (let n = 0; n <= MAX_NUMBER; n++) {
    const to = n === 0 ? dst : numbered(dst, n);
    try {
      await fsp.link(src, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') continue;
      if (!NO_LINKS.has(code)) throw e;
      if (await exists(to)) continue;
      await fsp.rename(src, to);
      return to;
    }
    await fsp.unlink(src);
    return to;
  }
  throw new Error(`no free name for ${dst} (tried ${MAX_NUMBER} numbered ones)`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
