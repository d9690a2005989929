/**
 * The edge's memory cache of HLS playlists and segments, keyed on the path (never on a viewer's `hls_ctx`).
 *
 * - Coalescing: however many players ask for an object at once, one upstream fetch runs; the others wait on it.
 * - Freshness: a playlist is reused for half its target duration; a segment until a newer playlist of its
 *   stream no longer lists it (then one more target duration for players holding the older playlist), at most
 *   SEGMENT_MAX_MS; a 404 for NOT_FOUND_MS.
 * - Memory: bounded by bytes; the least recently used objects go first. An object bigger than the whole
 *   cache is served to its waiters but not kept.
 * - Fetches are whole-object (store and forward): a slow player only slows its own socket, never the fetch
 *   the others wait on, and every player is sent the same Buffer.
 */
import type { CtxTemplate } from './hls-ctx';
import type { HlsCacheCounters } from './http-stats';

/** An object as the cache keeps and serves it. */
export interface HlsObject {
  readonly status: 200 | 404;
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly lastModified?: string;
  /** Playlists: `#EXT-X-TARGETDURATION` in seconds. */
  readonly targetSeconds?: number;
  /** Playlists: the segment paths it lists. */
  readonly segments?: readonly string[];
  /** Playlists: the body cut for adding each viewer's `hls_ctx` (src/hls/hls-ctx). */
  readonly template?: CtxTemplate;
}

/** What is asked for: `path` is the canonical `/{app}/{file}`. */
export interface HlsKey {
  readonly path: string;
  readonly app: string;
  readonly stream: string;
  readonly playlist: boolean;
}

/**
 * Fetches one object upstream (with failover). Rejects for anything but a usable 200 or a 404: the waiters get
 * a 502 and nothing is cached. `wanted()` is false once every waiter has gone (skip the fetch if not started).
 */
export type HlsFetcher = (key: HlsKey, wanted: () => boolean) => Promise<HlsObject>;

export const NOT_FOUND_MS = 1000;
export const SEGMENT_MAX_MS = 60_000;
/** Playlists without a target duration (not ours) are reused this long. */
const DEFAULT_PLAYLIST_MS = 500;

interface Entry {
  readonly key: HlsKey;
  readonly obj: HlsObject;
  expiresAt: number;
}

interface Inflight {
  readonly promise: Promise<HlsObject>;
  readonly alive: (() => boolean)[];
}

export class HlsEdgeCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Inflight>();
  /** Cached segment paths per stream, to expire those a newer playlist no longer lists. */
  private readonly segmentsByStream = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: () => number,
    private readonly fetcher: HlsFetcher,
    private readonly stats: HlsCacheCounters,
    private readonly now: () => number = Date.now,
  ) {}

  get sizeBytes(): number { return this.bytes; }
  get size(): number { return this.entries.size; }

  /**
   * The object at `key.path`: at once from memory (no promise, no microtask: most requests are hits), else from
   * one shared upstream fetch. `alive()`: the asker still waits.
   */
  get(key: HlsKey, alive: () => boolean = () => true): HlsObject | Promise<HlsObject> {
    const hit = this.entries.get(key.path);
    if (hit && hit.expiresAt > this.now()) {
      this.stats.hits++;
      // Most recently used last: Map order is the eviction order.
      this.entries.delete(key.path);
      this.entries.set(key.path, hit);
      return hit.obj;
    }
    if (hit) this.remove(key.path);
    const running = this.inflight.get(key.path);
    if (running) {
      this.stats.coalesced++;
      running.alive.push(alive);
      return running.promise;
    }
    this.stats.misses++;
    const waiting: (() => boolean)[] = [alive];
    const promise = this.fetcher(key, () => waiting.some((a) => a()))
      .then((obj) => { this.store(key, obj); return obj; })
      .finally(() => this.inflight.delete(key.path));
    this.inflight.set(key.path, { promise, alive: waiting });
    return promise;
  }

  private store(key: HlsKey, obj: HlsObject): void {
    const now = this.now();
    const expiresAt = obj.status === 404
      ? now + NOT_FOUND_MS
      : key.playlist
        ? now + (obj.targetSeconds ? (obj.targetSeconds * 1000) / 2 : DEFAULT_PLAYLIST_MS)
        : now + SEGMENT_MAX_MS;
    if (key.playlist && obj.status === 200 && obj.segments) this.retireUnlisted(key, obj, now);
    if (obj.body.length > this.maxBytes()) return;
    this.remove(key.path);
    this.entries.set(key.path, { key, obj, expiresAt });
    this.bytes += obj.body.length;
    if (!key.playlist && obj.status === 200) {
      const sk = `${key.app}/${key.stream}`;
      let set = this.segmentsByStream.get(sk);
      if (!set) this.segmentsByStream.set(sk, (set = new Set()));
      set.add(key.path);
    }
    this.evict(now);
  }

  /** Segments of the stream that the new playlist no longer lists stay one target duration more, then go. */
  private retireUnlisted(key: HlsKey, obj: HlsObject, now: number): void {
    const set = this.segmentsByStream.get(`${key.app}/${key.stream}`);
    if (!set) return;
    const listed = new Set(obj.segments);
    const until = now + (obj.targetSeconds ?? 1) * 1000;
    for (const p of set) {
      if (listed.has(p)) continue;
      const e = this.entries.get(p);
      if (e && e.expiresAt > until) e.expiresAt = until;
    }
  }

  /** Drops expired objects first, then the least recently used, until the bytes fit. */
  private evict(now: number): void {
    if (this.bytes <= this.maxBytes()) return;
    for (const [p, e] of this.entries) {
      if (e.expiresAt <= now) this.remove(p, true);
    }
    for (const p of this.entries.keys()) {
      if (this.bytes <= this.maxBytes()) break;
      this.remove(p, true);
    }
  }

  private remove(path: string, evicted = false): void {
    const e = this.entries.get(path);
    if (!e) return;
    this.entries.delete(path);
    this.bytes -= e.obj.body.length;
    if (evicted) this.stats.evictions++;
    if (!e.key.playlist) {
      const sk = `${e.key.app}/${e.key.stream}`;
      const set = this.segmentsByStream.get(sk);
      set?.delete(path);
      if (set?.size === 0) this.segmentsByStream.delete(sk);
    }
  }

  /** Drops expired objects (a timer calls this, so an idle edge gives memory back). */
  sweep(): void {
    const now = this.now();
    for (const [p, e] of this.entries) if (e.expiresAt <= now) this.remove(p);
  }
}
