/**
 * The file calls the HLS writer makes for every segment and playlist, as promises over Node's callback API and
 * plain descriptors. `fs.promises` costs more per call (a FileHandle object and its close bookkeeping, a promise
 * made in C++ per request): at 650 KB segments in 128 KiB pieces, ~30 % less CPU per segment this way, measured
 * by `npm run bench:fs-ops` (`promises` against `callbacks`). A descriptor from `openFd` has no owner but its
 * caller: every path must reach `closeFd` (nothing closes it on GC).
 */
import * as fs from 'node:fs';

function done<T>(resolve: (v: T) => void, reject: (e: unknown) => void) {
  return (e: NodeJS.ErrnoException | null, v?: T): void => { if (e) reject(e); else resolve(v as T); };
}

export function openFd(file: string, flags: number | string, mode = 0o644): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, mode, done(resolve, reject)));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, done(resolve, reject)));
}

/** Writes all of `data` at `position` (a short write is continued). */
export async function writeAll(fd: number, data: Buffer, position: number): Promise<void> {
  for (let off = 0; off < data.length;) {
    off += await new Promise<number>((resolve, reject) =>
      fs.write(fd, data, off, data.length - off, position + off, done(resolve, reject)));
  }
}

export function truncateFd(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, done(resolve, reject)));
}

export function renameFile(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => fs.rename(from, to, done(resolve, reject)));
}

export function unlinkFile(file: string): Promise<void> {
  return new Promise((resolve, reject) => fs.unlink(file, done(resolve, reject)));
}
