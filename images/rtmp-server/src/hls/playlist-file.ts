/**
 * A stream's playlist on disk. When other processes read the HLS directory (`hls.sharedDir`: the nginx sidecar of
 * OriginWithNginx), every version is written to a temporary file and renamed over the playlist, so a reader never
 * sees one half written. Otherwise this server is the only reader and serves playlists from memory
 * (playlist-memory.ts), so the file is rewritten in place through a descriptor kept open: creating and renaming a
 * file for every segment was most of the file system's cost per segment (ext4, 500 streams: ~1.6 ms of kernel
 * time per segment against ~0.5 ms in place; bench/README.md, ingest). Runs from the stream's serial queue.
 */
import { constants, promises as fsp } from 'node:fs';
import { closeFd, openFd, truncateFd, writeAll } from './fs-calls';
import type { HlsPaths } from './paths';

const IN_PLACE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

export class PlaylistFile {
  private fd: number | null = null;
  /** Bytes in the file now (unknown before the first write: truncated then). */
  private length = Number.MAX_SAFE_INTEGER;

  constructor(private readonly paths: HlsPaths, private readonly atomic: boolean) {}

  async write(data: Buffer): Promise<void> {
    const { paths } = this;
    if (this.atomic) {
      await fsp.writeFile(paths.playlistTmp, data);
      await fsp.rename(paths.playlistTmp, paths.playlist);
      return;
    }
    try {
      this.fd ??= await openFd(paths.playlist, IN_PLACE_FLAGS, 0o644);
      await writeAll(this.fd, data, 0);
      if (data.length < this.length) await truncateFd(this.fd, data.length);
      this.length = data.length;
    } catch (e) {
      await this.close(); // the next version opens the file again
      throw e;
    }
  }

  /** Closes the descriptor (before the playlist is deleted); the next write opens the file again. */
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    this.length = Number.MAX_SAFE_INTEGER;
    if (fd !== null) await closeFd(fd).catch(() => undefined);
  }
}
