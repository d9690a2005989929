// Prometheus /metrics (prom-client: the standard Node client). Values are read from the hub at scrape time,
// so nothing on the media path touches a metric; counters follow the hub's running totals.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { HlsHttpStats } from '../hls/http-stats';
import type { HlsStats } from '../hls/writer';
import type { ClientKind, HubTotals, HubView } from '../hub/types';
import { VERSION } from '../log';

export interface MetricsDeps {
  readonly hub: HubView;
  /** HLS writer counters, or null when this server writes no HLS (edges). */
  readonly hlsStats: HlsStats | null;
  /** HLS over HTTP (requests answered, edge cache), when the server has it. */
  readonly hlsHttp?: HlsHttpStats | null;
  readonly mode: () => string;
  readonly ready: () => boolean;
}

const PREFIX = 'rtmp_server_';

export function createMetrics({ hub: live, hlsStats, hlsHttp, mode, ready }: MetricsDeps): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const hub = scrapeSnapshot(live);

  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name: PREFIX + name, help, registers: [register], collect() { this.set(read()); } });
  };
  // A Counter that follows a monotonic running total: adds what the total grew by since the last scrape.
  const follow = (name: string, help: string, read: () => number): void => {
    let seen = 0;
    new Counter({
      name: PREFIX + name, help, registers: [register],
      collect() {
        const v = read();
        if (v > seen) this.inc(v - seen);
        seen = Math.max(seen, v);
      },
    });
  };

  const counter = (name: string, help: string, key: keyof HubTotals): void => follow(name, help, () => hub.totals()[key]);

  gauge('streams', 'Streams in the hub (publishing or with players waiting).', () => hub.streams().length);
  gauge('streams_publishing', 'Streams with a publisher attached (an encoder or an edge pull).', () => hub.streams().filter((s) => s.publishing).length);
  new Gauge({
    name: `${PREFIX}players`, help: 'Players by protocol (rtmp, flv, hls: HLS viewers seen within two target durations), publishers not counted.',
    labelNames: ['protocol'], registers: [register],
    collect() {
      const n: Record<string, number> = { rtmp: 0, flv: 0, hls: 0 };
      for (const c of hub.clients()) {
        const protocol = PLAYER_PROTOCOL[c.kind];
        if (protocol) n[protocol]++;
      }
      for (const [protocol, v] of Object.entries(n)) this.set({ protocol }, v);
    },
  });
  gauge('publishers', 'Encoders publishing to this server (RTMP publish sessions).', () => hub.clients().filter((c) => c.kind === 'rtmp-publish').length);
  new Gauge({
    name: `${PREFIX}clients`, help: 'Open sessions by kind.', labelNames: ['kind'], registers: [register],
    collect() {
      this.reset();
      for (const c of hub.clients()) this.inc({ kind: c.kind });
    },
  });
  gauge('upstream_pulls_active', 'Edge pulls from an origin open now.', () => hub.totals().upstreamPullsActive);
  gauge('ready', '1 while /readyz says ready.', () => (ready() ? 1 : 0));
  new Gauge({
    name: `${PREFIX}info`, help: 'Version and mode of this server (always 1).', labelNames: ['version', 'mode'], registers: [register],
    collect() {
      this.reset();
      this.set({ version: VERSION, mode: mode() }, 1);
    },
  });

  counter('received_bytes_total', 'Media bytes received (publishers, edge pulls).', 'bytesIn');
  counter('sent_bytes_total', 'Media bytes sent (players, forwards, pushes).', 'bytesOut');
  counter('connections_accepted_total', 'Sessions accepted.', 'connectionsAccepted');
  counter('connections_rejected_total', 'Sessions refused (auth, bad input, duplicate publisher, draining).', 'connectionsRejected');
  counter('upstream_pulls_started_total', 'Edge pulls started.', 'upstreamPullsStarted');
  counter('dropped_frames_total', 'Frames dropped for players that fell behind.', 'droppedFrames');
  counter('slow_players_closed_total', 'Players closed for staying too far behind.', 'slowPlayersClosed');
  if (hlsStats) {
    const hls = hlsStats;
    follow('hls_segments_written_total', 'HLS segments written.', () => hls.segmentsWritten);
    follow('hls_bytes_written_total', 'HLS segment bytes written.', () => hls.bytesWritten);
    follow('hls_dropped_segments_total', 'HLS segments not written because the disk fell behind.', () => hls.droppedSegments);
    follow('hls_write_errors_total', 'HLS file writes that failed.', () => hls.writeErrors);
    follow('hls_skipped_payloads_total', 'Media payloads the HLS muxer skipped (malformed or unsupported codec).', () => hls.skippedPayloads);
  }
  if (hlsHttp) {
    const h = hlsHttp;
    new Counter({
      name: `${PREFIX}hls_requests_total`, help: 'HLS requests answered from this server\'s HLS directory, by kind (playlist, segment).',
      labelNames: ['kind'], registers: [register],
      collect() {
        this.reset();
        this.inc({ kind: 'playlist' }, h.requests.playlist);
        this.inc({ kind: 'segment' }, h.requests.segment);
      },
    });
    follow('hls_cache_hits_total', 'HLS requests the edge cache answered from memory.', () => h.cache.hits);
    follow('hls_cache_misses_total', 'HLS requests that started an upstream fetch.', () => h.cache.misses);
    follow('hls_cache_coalesced_total', 'HLS requests that waited on a fetch another request started.', () => h.cache.coalesced);
    follow('hls_cache_upstream_requests_total', 'HTTP requests the edge cache made upstream (failover tries included).', () => h.cache.upstreamRequests);
    follow('hls_cache_upstream_errors_total', 'Upstream HLS fetches that failed (error, timeout, oversize, garbage).', () => h.cache.upstreamErrors);
    follow('hls_cache_evictions_total', 'Objects evicted from the edge cache to stay within edge.hlsCacheBytes.', () => h.cache.evictions);
    gauge('hls_cache_bytes', 'Bytes of HLS objects held by the edge cache.', () => h.cacheBytes());
    gauge('hls_cache_objects', 'HLS objects held by the edge cache.', () => h.cacheObjects());
  }
  return register;
}

/** The `protocol` label of each player kind. */
const PLAYER_PROTOCOL: Partial<Record<ClientKind, string>> = { 'rtmp-play': 'rtmp', 'flv-play': 'flv', 'hls-play': 'hls' };

/**
 * The hub as one scrape sees it: each list is taken once per scrape (several metrics read it) and dropped
 * on the next turn of the event loop, so a scrape with 10,000 players builds their snapshots once, not 4 times.
 */
function scrapeSnapshot(hub: HubView): Pick<HubView, 'streams' | 'clients' | 'totals'> {
  let cache: { streams?: ReturnType<HubView['streams']>; clients?: ReturnType<HubView['clients']>; totals?: HubTotals } | null = null;
  const get = <K extends 'streams' | 'clients' | 'totals'>(key: K): ReturnType<HubView[K]> => {
    if (!cache) {
      cache = {};
      setImmediate(() => { cache = null; });
    }
    return (cache[key] ??= hub[key]() as never) as ReturnType<HubView[K]>;
  };
  return { streams: () => get('streams'), clients: () => get('clients'), totals: () => get('totals') };
}
