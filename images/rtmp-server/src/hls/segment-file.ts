/**
 * One HLS segment on its way to disk: its TS bytes are appended in pieces while it is being muxed, to a
 * temporary file (`.{name}.tmp`, which the startup sweep removes and HTTP never serves), renamed to its name
 * when complete, so a segment is never seen half-written. Every call runs from the stream's serial queue,
 * so appends, the rename and the playlist that names the segment happen in that order.
 */
import { constants } from 'node:fs';
import { closeFd, openFd, renameFile, truncateFd, unlinkFile, writeAll } from './fs-calls';

/** An expired segment's file for a new segment to take over, and its length (the bytes it was written with). */
export interface ReusedFile {
  readonly file: string;
  readonly bytes: number;
}

export class SegmentFile {
  private fd: number | null = null;
  /** A write failed: the file has a hole, so the segment is given up (the error was reported once). */
  private failed = false;
  /** The temporary file was created (only then is there anything of ours to remove). */
  private opened = false;
  private readonly tmp: string;
  /** Bytes appended (a reused file is cut to this at the end). */
  private written = 0;
  /** The file is an expired segment's, renamed, this long: its old bytes past `written` are cut at finish. */
  private recycledBytes = 0;

  constructor(
    private readonly final: string,
    /** Creates the app directory; `again` after it was found missing (another stream's cleanup removed it). */
    private readonly ensureDir: (again: boolean) => Promise<void>,
    /**
     * An expired segment of the same stream (out of the playlist, due for deletion) to take over instead of
     * creating a file: renamed to the temporary name at the first append and overwritten. Creating an inode per
     * segment was the largest file system cost left per segment on ext4 (bench/README.md, ingest).
     */
    private reuse: ReusedFile | null = null,
  ) {
    const slash = final.lastIndexOf('/');
    this.tmp = `${final.slice(0, slash + 1)}.${final.slice(slash + 1)}.tmp`;
  }

  /** Appends bytes, opening the temporary file at the first call. */
  async append(bytes: Buffer): Promise<void> {
    if (this.failed) return;
    try {
      if (this.fd === null) {
        this.fd = await this.open();
        this.opened = true;
      }
      await writeAll(this.fd, bytes, this.written);
      this.written += bytes.length;
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** Appends the last bytes, closes, and gives the segment its name; rejects (leaving no file) if any write failed. */
  async finish(tail: Buffer): Promise<void> {
    try {
      if (tail.length || this.fd === null) await this.append(tail);
      // Only a reused file longer than this segment has old bytes left past it.
      if (this.recycledBytes > this.written && !this.failed) await truncateFd(this.fd!, this.written);
    } finally {
      await this.closeFile();
    }
    if (this.failed) {
      if (this.opened) await unlinkFile(this.tmp).catch(() => undefined);
      throw new Error(`segment ${this.final} given up after a failed write`);
    }
    await renameFile(this.tmp, this.final);
  }

  /** Drops what was written (a segment given up on). */
  async abort(): Promise<void> {
    await this.dropReuse();
    if (this.fd === null) return;
    await this.closeFile();
    await unlinkFile(this.tmp).catch(() => undefined);
  }

  private async open(): Promise<number> {
    await this.ensureDir(false);
    const reuse = this.reuse;
    this.reuse = null;
    if (reuse) {
      try {
        await renameFile(reuse.file, this.tmp);
        const fd = await openFd(this.tmp, constants.O_WRONLY | constants.O_NOFOLLOW);
        this.recycledBytes = reuse.bytes;
        return fd;
      } catch {
        await unlinkFile(this.tmp).catch(() => undefined); // then a new file, as without one to reuse
      }
    }
    return openFd(this.tmp, 'w').catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await this.ensureDir(true);
      return openFd(this.tmp, 'w');
    });
  }

  /** The segment to reuse is not needed (given up before its first byte): it goes, as it would have. */
  private async dropReuse(): Promise<void> {
    const reuse = this.reuse;
    this.reuse = null;
    if (reuse) await unlinkFile(reuse.file).catch(() => undefined);
  }

  private async closeFile(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await closeFd(fd);
  }
}
