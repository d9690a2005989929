// Per-stream series (players and bytes by app/stream) with a cardinality cap, and the publish-stall gauge.
// Kept apart from metrics.ts: these are the series whose count grows with the streams, so they carry the bound.
import { Counter, Gauge, Registry } from 'prom-client';
import type { StreamSnapshot } from '../hub/types';

const PREFIX = 'rtmp_server_';

export interface StreamMetricsDeps {
  /** The streams as this scrape sees them. */
  readonly streams: () => StreamSnapshot[];
  /** Most streams given their own series (metrics.streamSeries); 0 turns per-stream series off. */
  readonly cap: () => number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * The streams that get series: most players first, then most bytes received, then by name so the choice is
 * stable between scrapes. Returns the chosen ones and how many were left out.
 */
export function capStreams(streams: readonly StreamSnapshot[], cap: number): { kept: StreamSnapshot[]; omitted: number } {
  const sorted = [...streams].sort((a, b) => b.players - a.players || b.recvBytes - a.recvBytes
    || `${a.app}/${a.name}`.localeCompare(`${b.app}/${b.name}`));
  const kept = sorted.slice(0, Math.max(0, cap));
  return { kept, omitted: streams.length - kept.length };
}

export function registerStreamMetrics(register: Registry, deps: StreamMetricsDeps): void {
  const now = deps.now ?? Date.now;
  const labelNames = ['app', 'stream'] as const;
  let chosen: { kept: StreamSnapshot[]; omitted: number } = { kept: [], omitted: 0 };
  // The players gauge is collected first (registration order) and picks the streams for the others.
  new Gauge({
    name: `${PREFIX}stream_players`, help: 'Players (RTMP + HTTP-FLV) of one stream; only the top metrics.streamSeries streams.',
    labelNames, registers: [register],
    collect() {
      chosen = capStreams(deps.streams(), deps.cap());
      this.reset();
      for (const s of chosen.kept) this.set({ app: s.app, stream: s.name }, s.players);
    },
  });
  const bytes = (name: string, help: string, read: (s: StreamSnapshot) => number): void => {
    new Counter({
      name: PREFIX + name, help, labelNames, registers: [register],
      collect() {
        this.reset();
        for (const s of chosen.kept) this.inc({ app: s.app, stream: s.name }, read(s));
      },
    });
  };
  bytes('stream_received_bytes_total', 'Bytes received for one stream since it started (top metrics.streamSeries streams).', (s) => s.recvBytes);
  bytes('stream_sent_bytes_total', 'Bytes sent to the players of one stream since it started (top metrics.streamSeries streams).', (s) => s.sendBytes);
  new Gauge({
    name: `${PREFIX}stream_series_omitted`, help: 'Streams left out of the per-stream series by the metrics.streamSeries cap.',
    registers: [register], collect() { this.set(chosen.omitted); },
  });

  // Stall: a publishing stream whose received bytes stop growing. Measured between scrapes, so the value lags
  // the real stall by at most one scrape interval; it never over-reports.
  const seen = new Map<string, { bytes: number; since: number }>();
  new Gauge({
    name: `${PREFIX}publish_stall_seconds_max`,
    help: 'Longest time any publishing stream here has received no media, in seconds (0 when all are flowing).',
    registers: [register],
    collect() {
      const t = now();
      const live = new Set<string>();
      let worst = 0;
      for (const s of deps.streams()) {
        if (!s.publishing) continue;
        const key = `${s.id}:${s.publisherId}`;
        live.add(key);
        const prev = seen.get(key);
        if (!prev) seen.set(key, { bytes: s.recvBytes, since: t });
        else if (prev.bytes !== s.recvBytes) seen.set(key, { bytes: s.recvBytes, since: t });
        worst = Math.max(worst, (t - seen.get(key)!.since) / 1000);
      }
      for (const key of seen.keys()) if (!live.has(key)) seen.delete(key);
      this.set(worst);
    },
  });
}
