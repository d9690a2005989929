// Prometheus /metrics (prom-client: the standard Node client). Values are read from the hub at scrape time,
// so nothing on the media path touches a metric; counters follow the hub's running totals.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Hooks } from '../hooks/hooks';
import type { HlsHttpStats } from '../hls/http-stats';
import type { HlsStats } from '../hls/writer';
import type { DvrStats } from '../dvr/dvr-recorder';
import type { TlsStats } from '../tls/cert-store';
import type { ClientKind, HubTotals, HubView } from '../hub/types';
import { VERSION } from '../log';
import { slabBytes } from '../protocol/rtmp/slab-pool';
import { registerStreamMetrics } from './metrics-streams';
import { opsCounters } from './ops-counters';

export interface MetricsDeps {
  readonly hub: HubView;
  /** HLS writer counters, or null when this server writes no HLS (edges). */
  readonly hlsStats: HlsStats | null;
  /** DVR counters, or null when nothing is recorded. */
  readonly dvrStats?: DvrStats | null;
  /** Certificate counters, or null without TLS listeners. */
  readonly tlsStats?: TlsStats | null;
  /** HLS over HTTP (requests answered, edge cache), when the server has it. */
  readonly hlsHttp?: HlsHttpStats | null;
  readonly mode: () => string;
  readonly ready: () => boolean;
  /** HTTP callbacks, counted as they complete (absent in tests that have none). */
  readonly hooks?: Hooks;
  /** Cap on the per-stream series (metrics.streamSeries). @default - no per-stream series */
  readonly streamSeries?: () => number;
}

const PREFIX = 'rtmp_server_';

export function createMetrics({ hub: live, hlsStats, hlsHttp, dvrStats, tlsStats, mode, ready, hooks, streamSeries }: MetricsDeps): Registry {
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
  gauge('media_slab_bytes', 'Bytes of media slabs held now (received media in GOP caches, merge windows and messages being read; HLS pieces being muxed or written).', () => slabBytes().inUse);
  gauge('media_slab_pool_bytes', 'Bytes of free media slabs kept for reuse (what goes unused for 10 s is given back).', () => slabBytes().free);
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
  if (hooks) hookMetrics(register, hooks);
  // Operations pack (issue 11): reload and pull-failure counters, per-stream series under a cap, publish stalls.
  follow('config_reloads_total', 'Config changes applied by a reload.', () => opsCounters.configReloadsApplied);
  follow('config_reloads_rejected_total', 'Config changes refused (invalid) or failed to apply; the running config stayed.', () => opsCounters.configReloadsRejected);
  follow('upstream_pull_failures_total', 'Edge pulls that could not reach their origin or lost it (each attempt counts).', () => opsCounters.upstreamPullFailures);
  registerStreamMetrics(register, { streams: () => hub.streams(), cap: streamSeries ?? (() => 0) });
  if (dvrStats) {
    const dvr = dvrStats;
    gauge('dvr_recordings_active', 'Recording files open now.', () => dvr.recordingsActive);
    follow('dvr_files_written_total', 'Recording files finished (renamed or remuxed).', () => dvr.filesWritten);
    follow('dvr_bytes_written_total', 'FLV bytes written by the recorders.', () => dvr.bytesWritten);
    follow('dvr_write_errors_total', 'Recording writes or renames that failed.', () => dvr.writeErrors);
    follow('dvr_dropped_frames_total', 'Frames not recorded because the disk fell behind.', () => dvr.droppedFrames);
    follow('dvr_refused_streams_total', 'Streams not recorded because of an unsafe name or path.', () => dvr.refusedNames);
    follow('dvr_remux_failures_total', 'MP4 remuxes that failed (the FLV was kept).', () => dvr.remuxFailures);
    follow('dvr_files_deleted_total', 'Recordings deleted by dvr.keepHours retention.', () => dvr.filesDeleted);
  }
  if (tlsStats) {
    const t = tlsStats;
    gauge('tls_certificate_not_after_seconds', 'Expiry of the certificate served by RTMPS/HTTPS (unix seconds).', () => t.notAfterSeconds);
    follow('tls_certificate_reloads_total', 'Renewed certificates picked up without a restart.', () => t.reloads);
    follow('tls_certificate_reload_failures_total', 'Changed certificate files that could not be used (the old pair stayed).', () => t.reloadFailures);
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
 * HTTP callbacks: calls by event and result (allowed/denied/failed for gates; ok/retry/dropped for notifications)
 * and how long each took. Observed as calls complete: callbacks are not on the media path.
 */
function hookMetrics(register: Registry, hooks: Hooks): void {
  const calls = new Counter({
    name: `${PREFIX}hook_calls_total`, help: 'HTTP callbacks by event and result (allowed, denied, failed, ok, retry, dropped).',
    labelNames: ['event', 'result'], registers: [register],
  });
  const duration = new Histogram({
    name: `${PREFIX}hook_duration_seconds`, help: 'Time of one HTTP callback attempt, by event.',
    labelNames: ['event'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [register],
  });
  const dropped = new Counter({
    name: `${PREFIX}hook_notifications_dropped_total`, help: 'Notifications given up (backend down or too many waiting).',
    labelNames: ['event'], registers: [register],
  });
  hooks.addObserver((event, result, seconds) => {
    calls.inc({ event, result });
    if (result === 'dropped') dropped.inc({ event });
    else duration.observe({ event }, seconds);
  });
}

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
