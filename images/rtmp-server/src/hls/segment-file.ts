/**
 * One HLS segment on its way to disk: its TS bytes are appended in pieces while it is being muxed, to a
 * temporary file (`.{name}.tmp`, which the startup sweep removes and HTTP never serves), renamed to its name
 * when complete, so a segment is never seen half-written. Every call runs from the stream's serial queue,
 * so appends, the rename and the playlist that names the segment happen in that order.
 */
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export class SegmentFile {
  private fh: FileHandle | null = null;
  /** A write failed: the file has a hole, so the segment is given up (the error was reported once). */
  private failed = false;
  /** The temporary file was created (only then is there anything of ours to remove). */
  private opened = false;
  private readonly tmp: string;
  /** Bytes appended (a reused file is cut to this at the end). */
  private written = 0;
  /** The file is an expired segment's, renamed: its old bytes past `written` are cut at finish. */
  private recycled = false;

  constructor(
    private readonly final: string,
    /** Creates the app directory; `again` after it was found missing (another stream's cleanup removed it). */
    private readonly ensureDir: (again: boolean) => Promise<void>,
    /**
     * An expired segment of the same stream (out of the playlist, due for deletion) to take over instead of
     * creating a file: renamed to the temporary name at the first append and overwritten. Creating an inode per
     * segment was the largest file system cost left per segment on ext4 (bench/README.md, ingest).
     */
    private reuse: string | null = null,
  ) {
    const slash = final.lastIndexOf('/');
    this.tmp = `${final.slice(0, slash + 1)}.${final.slice(slash + 1)}.tmp`;
  }

  /** Appends bytes, opening the temporary file at the first call. */
  async append(bytes: Buffer): Promise<void> {
    if (this.failed) return;
    try {
      if (!this.fh) {
        this.fh = await this.open();
        this.opened = true;
      }
      for (let off = 0; off < bytes.length;) {
        const { bytesWritten } = await this.fh.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      this.written += bytes.length;
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** Appends the last bytes, closes, and gives the segment its name; rejects (leaving no file) if any write failed. */
  async finish(tail: Buffer): Promise<void> {
    try {
      if (tail.length || !this.fh) await this.append(tail);
      if (this.recycled && !this.failed) await this.fh!.truncate(this.written);
    } finally {
      await this.closeFile();
    }
    if (this.failed) {
      if (this.opened) await fsp.unlink(this.tmp).catch(() => undefined);
      throw new Error(`segment ${this.final} given up after a failed write`);
    }
    await fsp.rename(this.tmp, this.final);
  }

  /** Drops what was written (a segment given up on). */
  async abort(): Promise<void> {
    await this.dropReuse();
    if (!this.fh) return;
    await this.closeFile();
    await fsp.unlink(this.tmp).catch(() => undefined);
  }

  private async open(): Promise<FileHandle> {
    await this.ensureDir(false);
    const reuse = this.reuse;
    this.reuse = null;
    if (reuse) {
      try {
        await fsp.rename(reuse, this.tmp);
        const fh = await fsp.open(this.tmp, constants.O_WRONLY | constants.O_NOFOLLOW);
        this.recycled = true;
        return fh;
      } catch {
        await fsp.unlink(this.tmp).catch(() => undefined); // then a new file, as without one to reuse
      }
    }
    return fsp.open(this.tmp, 'w').catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await this.ensureDir(true);
      return fsp.open(this.tmp, 'w');
    });
  }

  /** The segment to reuse is not needed (given up before its first byte): it goes, as it would have. */
  private async dropReuse(): Promise<void> {
    const reuse = this.reuse;
    this.reuse = null;
    if (reuse) await fsp.unlink(reuse).catch(() => undefined);
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
}
