/**
 * HLS over HTTP for one server, by role:
 * - every server counts HLS viewers (src/hls/viewers) and shows them through the hub view the API reads;
 * - an edge answers HLS from the edge cache, fetched from `edge.originsHttp` (EdgeCluster) or from the origin
 *   holding the stream (OriginCluster, through the StreamLocator);
 * - an origin-cluster origin serves its own files and, for a stream another origin holds, the same cache;
 * - a standalone origin serves its files only.
 */
import { edgeHttpOrigins, ServerConfig } from '../../../../lib/server-config';
import type { StreamLocator } from '../cluster/stream-locator';
import type { Hub } from '../hub/hub';
import type { HubView } from '../hub/types';
import type { Logger } from '../log';
import { HlsEdgeCache } from './edge-cache';
import { createHlsEdgeHandler, HlsEdgeHandler } from './edge-serve';
import { createHlsFetcher, HlsOrigins, locatorOrigins, staticOrigins } from './edge-upstream';
import type { HlsFileCounters } from './files';
import { HlsHttpStats, newCacheCounters, newHlsHttpStats } from './http-stats';
import { PROXIED_HEADER } from './proxy';
import { SegmentMemory } from './segment-memory';
import { HlsViewers } from './viewers';
import { withHlsViewers } from './viewers-view';

/** Largest single object fetched upstream: a segment of a high-bitrate stream with room to spare. */
const MAX_OBJECT_BYTES = 32 * 1024 * 1024;
/** Segments an origin keeps in memory to serve from (a few streams' live windows). */
const SEGMENT_MEMORY_BYTES = 64 * 1024 * 1024;

export interface HlsHttp {
  /** The hub with HLS viewers added (what the API and /metrics read). */
  readonly view: HubView;
  /** Serving the HLS directory: the counters it updates. */
  readonly counters: HlsFileCounters & { readonly stats: HlsHttpStats };
  /** The cache-backed handler for HLS this server has no file for; null on a standalone origin. */
  readonly handler: HlsEdgeHandler | null;
  close(): void;
}

export function startHlsHttp(config: () => ServerConfig, hub: Hub, locator: StreamLocator | null, log: Logger): HlsHttp {
  const c = config();
  const viewers = new HlsViewers({ newId: () => hub.newClientId(), defaultTargetSeconds: c.hls.fragmentSeconds });
  const view = withHlsViewers(hub, viewers);
  const isEdge = c.mode === 'edge';
  let origins: HlsOrigins | null = null;
  if (locator) origins = locatorOrigins(locator);
  else if (isEdge) origins = staticOrigins(() => edgeHttpOrigins(config()));
  const memory = new SegmentMemory(SEGMENT_MEMORY_BYTES);
  if (!origins) return { view, counters: { stats: newHlsHttpStats(), viewers, memory }, handler: null, close: () => viewers.close() };

  const maxBytes = () => config().edge.hlsCacheBytes;
  const counters = newCacheCounters();
  const fetcher = createHlsFetcher(origins, () => ({ maxBytes: Math.min(MAX_OBJECT_BYTES, maxBytes()) }), counters, log);
  const cache = new HlsEdgeCache(maxBytes, fetcher, counters);
  const stats = newHlsHttpStats(counters, cache);
  const sweeper = setInterval(() => cache.sweep(), 1000);
  sweeper.unref();
  const serve = createHlsEdgeHandler(cache, viewers, log);
  // An origin never passes on a request that another server already passed to it (no loops between origins).
  const handler: HlsEdgeHandler = isEdge ? serve : (req, res, cors) => !req.headers[PROXIED_HEADER] && serve(req, res, cors);
  return {
    view, counters: { stats, viewers, memory }, handler,
    close: () => { clearInterval(sweeper); viewers.close(); },
  };
}
