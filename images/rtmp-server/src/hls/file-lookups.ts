/**
 * What serving an HLS file found on disk, reused for a moment. Players poll the same playlist and fetch the same
 * segments, and each lookup costs five trips to the thread pool (realpath, open, fstat, read, close); within
 * PLAYLIST_MS (playlists) or SEGMENT_MS (segments) the last answer is reused instead. So a playlist is at most
 * PLAYLIST_MS older than the file (a new segment shows that much later, against 2 s and longer segments), and a
 * segment deleted from disk is answered at most SEGMENT_MS longer (it had already left the playlist). Only what
 * was found is kept: a missing file is looked up again on every request.
 */
import { CtxTemplate, ctxTemplate, targetDurationOf } from './hls-ctx';

export const PLAYLIST_MS = 250;
export const SEGMENT_MS = 1000;
/** Files kept (a few live windows of many streams); emptied when full, so hostile names cannot grow it. */
const MAX_ENTRIES = 10_000;

export interface HlsFileFound {
  /** The file's real path (inside the HLS directory: checked before it was kept). */
  readonly real: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly lastModified: string;
  /** Playlists: the file's bytes, cut for adding each viewer's hls_ctx, and its target duration. */
  readonly playlist?: { readonly raw: Buffer; readonly template: CtxTemplate; readonly targetSeconds: number | null };
}

interface Entry { readonly found: HlsFileFound; readonly until: number }

/** Where a file is kept by the maps that answer requests for it (these lookups, the live playlists). */
export function fileKey(root: string, rel: string): string {
  return `${root}\n${rel}`;
}

/** `found` with a playlist's bytes, cut for adding each viewer's hls_ctx, and its target duration. */
export function withPlaylist(found: HlsFileFound, raw: Buffer): HlsFileFound {
  return { ...found, playlist: { raw, template: ctxTemplate(raw), targetSeconds: targetDurationOf(raw) } };
}

export class HlsFileLookups {
  private readonly entries = new Map<string, Entry>();
  /** Lookups running: requests for the same file while one runs wait for it instead of starting their own. */
  private readonly running = new Map<string, Promise<HlsFileFound>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(root: string, rel: string): HlsFileFound | undefined {
    const key = fileKey(root, rel);
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > this.now()) return e.found;
    this.entries.delete(key);
    return undefined;
  }

  /** What `look()` finds for the file, kept; a lookup of the same file already running is shared instead. */
  lookUp(root: string, rel: string, look: () => Promise<HlsFileFound>): Promise<HlsFileFound> {
    const key = fileKey(root, rel);
    let p = this.running.get(key);
    if (!p) {
      p = look().then((found) => { this.set(key, found); return found; }).finally(() => this.running.delete(key));
      this.running.set(key, p);
    }
    return p;
  }

  private set(key: string, found: HlsFileFound): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { found, until: this.now() + (found.playlist ? PLAYLIST_MS : SEGMENT_MS) });
  }

  get size(): number { return this.entries.size; }
}
