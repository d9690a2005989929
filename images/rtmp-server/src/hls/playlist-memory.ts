/**
 * The live playlists this process's HLS writers wrote, kept in memory for the HTTP server: a playlist is served
 * from here (no file lookup, never a half-rewritten file) once the segment it names is on disk. Keyed like the
 * file lookups: the resolved HLS root and `app/{stream}.m3u8`.
 */
import { fileKey, HlsFileFound, withPlaylist } from './file-lookups';

export class PlaylistMemory {
  private readonly entries = new Map<string, HlsFileFound>();

  get(root: string, rel: string): HlsFileFound | undefined {
    return this.entries.get(fileKey(root, rel));
  }

  /** The playlist at `file` (inside `root`, as `rel`) is now `raw`. */
  set(root: string, rel: string, file: string, raw: Buffer, now = Date.now()): void {
    this.entries.set(fileKey(root, rel), withPlaylist({ real: file, size: raw.length, mtimeMs: now, lastModified: new Date(now).toUTCString() }, raw));
  }

  delete(root: string, rel: string): void {
    this.entries.delete(fileKey(root, rel));
  }
}

/** The process's playlists: writers set them, the HTTP media port serves them. */
export const livePlaylists = new PlaylistMemory();
