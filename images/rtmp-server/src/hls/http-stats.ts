/** Counters of HLS over HTTP, read by /metrics at scrape time (plain numbers: nothing on the request path waits on them). */
export interface HlsCacheCounters {
  /** Answered from memory, started an upstream fetch, waited on another request's fetch. */
  hits: number;
  misses: number;
  coalesced: number;
  /** Upstream requests made (failover tries included), failed, and objects evicted for space. */
  upstreamRequests: number;
  upstreamErrors: number;
  evictions: number;
}

export interface HlsHttpStats {
  /** Requests answered from this server's own HLS directory (edges' and players' alike), by kind. */
  readonly requests: { playlist: number; segment: number };
  /** The edge cache (all zero on a server without one). */
  readonly cache: HlsCacheCounters;
  /** Bytes and objects held by the cache now. */
  cacheBytes(): number;
  cacheObjects(): number;
}

export function newCacheCounters(): HlsCacheCounters {
  return { hits: 0, misses: 0, coalesced: 0, upstreamRequests: 0, upstreamErrors: 0, evictions: 0 };
}

/** Stats for a server; `size` reads the edge cache's holdings when there is one. */
export function newHlsHttpStats(
  cache: HlsCacheCounters = newCacheCounters(),
  size: { readonly sizeBytes: number; readonly size: number } = { sizeBytes: 0, size: 0 },
): HlsHttpStats {
  return { requests: { playlist: 0, segment: 0 }, cache, cacheBytes: () => size.sizeBytes, cacheObjects: () => size.size };
}
