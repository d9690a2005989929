/** Counters of HLS over HTTP, read by /metrics at scrape time (plain numbers: nothing on the request path waits on them). */
export interface HlsHttpStats {
  /** Requests answered from this server's own HLS directory (edges' and players' alike), by kind. */
  readonly requests: { playlist: number; segment: number };
  /** The edge cache: answered from memory, fetched upstream, and requests that waited on another's fetch. */
  readonly cache: { hits: number; misses: number; coalesced: number; upstreamRequests: number; upstreamErrors: number; evictions: number };
  /** Bytes and objects held by the cache now. */
  cacheBytes(): number;
  cacheObjects(): number;
}

export function newHlsHttpStats(): HlsHttpStats {
  return {
    requests: { playlist: 0, segment: 0 },
    cache: { hits: 0, misses: 0, coalesced: 0, upstreamRequests: 0, upstreamErrors: 0, evictions: 0 },
    cacheBytes: () => 0,
    cacheObjects: () => 0,
  };
}
