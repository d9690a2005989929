/**
 * The Grafana dashboard of the companion server: one panel per metric family /metrics exposes, every query
 * scoped to the construct's pods. test/ops/prometheus-scrape evaluates each query against a real Prometheus.
 */

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** One panel: title, unit (Grafana unit id) and queries. */
export interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  readonly description: string;
}

/** A panel from [expr, legend] pairs. */
function panel(title: string, unit: string, description: string, ...queries: [string, string][]): PanelSpec {
  return { title, unit, description, queries: queries.map(([expr, legend]) => ({ expr, legend })) };
}

/** The panels for pods matched by `selector` (PromQL label matchers; may use the `$namespace` variable). */
export function companionPanels(selector: string): PanelSpec[] {
  const s = `{${selector}}`;
  const rate = (metric: string) => `rate(${metric}${s}[$__rate_interval])`;
  return [
    panel('Streams', 'short', 'Streams in the hub and those with a publisher (encoder or edge pull).',
      [`sum by (pod) (rtmp_server_streams${s})`, '{{pod}} streams'],
      [`sum by (pod) (rtmp_server_streams_publishing${s})`, '{{pod}} publishing']),
    panel('Players per pod and protocol', 'short', 'Open player sessions by kind (rtmp-play, flv-play) and every other session kind.',
      [`sum by (pod, kind) (rtmp_server_clients${s})`, '{{pod}} {{kind}}'],
      [`sum by (pod) (rtmp_server_players${s})`, '{{pod}} players']),
    panel('Publishers', 'short', 'Encoders publishing over RTMP.',
      [`sum by (pod) (rtmp_server_publishers${s})`, '{{pod}}']),
    panel('Ingest bitrate', 'bps', 'Media bits received per second (publishers and edge pulls).',
      [`sum by (pod) (${rate('rtmp_server_received_bytes_total')}) * 8`, '{{pod}}']),
    panel('Egress bitrate', 'bps', 'Media bits sent per second (players, forwards, pushes).',
      [`sum by (pod) (${rate('rtmp_server_sent_bytes_total')}) * 8`, '{{pod}}']),
    panel('Players by stream (top streams)', 'short', 'Players of each app/stream, for the streams under the metrics.streamSeries cap.',
      [`sum by (app, stream) (rtmp_server_stream_players${s})`, '{{app}}/{{stream}}']),
    panel('Bitrate by stream (top streams)', 'bps', 'Ingest and egress bits per second of each app/stream under the cap.',
      [`sum by (app, stream) (${rate('rtmp_server_stream_received_bytes_total')}) * 8`, '{{app}}/{{stream}} in'],
      [`sum by (app, stream) (${rate('rtmp_server_stream_sent_bytes_total')}) * 8`, '{{app}}/{{stream}} out']),
    panel('Streams left out by the series cap', 'short', 'Streams without their own series (raise metrics.streamSeries to see them).',
      [`sum by (pod) (rtmp_server_stream_series_omitted${s})`, '{{pod}}']),
    panel('Publish stall', 's', 'Longest time a publishing stream has received no media (alert RtmpStreamStalled).',
      [`max by (pod) (rtmp_server_publish_stall_seconds_max${s})`, '{{pod}}']),
    panel('Upstream pulls', 'short', 'Edge pulls open now, started and failed per second.',
      [`sum by (pod) (rtmp_server_upstream_pulls_active${s})`, '{{pod}} active'],
      [`sum by (pod) (${rate('rtmp_server_upstream_pulls_started_total')})`, '{{pod}} started/s'],
      [`sum by (pod) (${rate('rtmp_server_upstream_pull_failures_total')})`, '{{pod}} failed/s']),
    panel('Dropped frames and slow players', 'short', 'Frames dropped for players that fell behind, and players closed for it (per second).',
      [`sum by (pod) (${rate('rtmp_server_dropped_frames_total')})`, '{{pod}} frames dropped/s'],
      [`sum by (pod) (${rate('rtmp_server_slow_players_closed_total')})`, '{{pod}} players closed/s']),
    panel('Connections', 'short', 'Sessions accepted and refused per second (auth, bad input, draining).',
      [`sum by (pod) (${rate('rtmp_server_connections_accepted_total')})`, '{{pod}} accepted/s'],
      [`sum by (pod) (${rate('rtmp_server_connections_rejected_total')})`, '{{pod}} rejected/s']),
    panel('HLS writes', 'short', 'Segments written, dropped (disk behind) and failed writes per second; origins only.',
      [`sum by (pod) (${rate('rtmp_server_hls_segments_written_total')})`, '{{pod}} segments/s'],
      [`sum by (pod) (${rate('rtmp_server_hls_dropped_segments_total')})`, '{{pod}} dropped/s'],
      [`sum by (pod) (${rate('rtmp_server_hls_write_errors_total')})`, '{{pod}} errors/s']),
    panel('HLS bytes and skipped payloads', 'Bps', 'HLS bytes written per second and payloads the muxer skipped.',
      [`sum by (pod) (${rate('rtmp_server_hls_bytes_written_total')})`, '{{pod}} bytes/s'],
      [`sum by (pod) (${rate('rtmp_server_hls_skipped_payloads_total')})`, '{{pod}} skipped/s']),
    panel('Config reloads', 'short', 'ConfigMap changes applied and rejected (alert RtmpConfigReloadRejected).',
      [`sum by (pod) (rtmp_server_config_reloads_total${s})`, '{{pod}} applied'],
      [`sum by (pod) (rtmp_server_config_reloads_rejected_total${s})`, '{{pod}} rejected']),
    panel('Ready pods', 'short', 'Pods that say ready (0 while draining), by version and mode.',
      [`sum by (pod) (rtmp_server_ready${s})`, '{{pod}}'],
      [`count by (version, mode) (rtmp_server_info${s})`, '{{mode}} {{version}}']),
    panel('CPU', 'percentunit', 'Server process CPU (1 = one core; the companion server uses one core).',
      [`sum by (pod) (${rate('process_cpu_seconds_total')})`, '{{pod}}']),
    panel('Memory', 'bytes', 'Resident memory of the server process (GOP caches, player queues).',
      [`sum by (pod) (process_resident_memory_bytes${s})`, '{{pod}} rss']),
    panel('Event loop lag', 's', 'p99 event-loop lag: how late the server gets to its sockets and timers.',
      [`max by (pod) (nodejs_eventloop_lag_p99_seconds${s})`, '{{pod}} p99']),
  ];
}

/** SRS through its exporter: the families it has (streams, clients, bytes, errors, CPU, memory). */
export function srsPanels(selector: string): PanelSpec[] {
  const s = `{${selector}}`;
  const rate = (metric: string) => `rate(${metric}${s}[$__rate_interval])`;
  return [
    panel('Streams', 'short', 'SRS streams per pod.', [`sum by (pod) (srs_streams${s})`, '{{pod}}']),
    panel('Clients', 'short', 'SRS connections per pod (players and publishers; SRS does not split them).', [`sum by (pod) (srs_clients${s})`, '{{pod}}']),
    panel('Ingest and egress bitrate', 'bps', 'Bits received and sent per second.',
      [`sum by (pod) (${rate('srs_receive_bytes_total')}) * 8`, '{{pod}} in'],
      [`sum by (pod) (${rate('srs_send_bytes_total')}) * 8`, '{{pod}} out']),
    panel('Connections and client errors', 'short', 'Connections opened and client errors per second.',
      [`sum by (pod) (${rate('srs_clients_total')})`, '{{pod}} connections/s'],
      [`sum by (pod) (${rate('srs_clients_errs_total')})`, '{{pod}} errors/s']),
    panel('CPU and memory', 'short', 'SRS CPU percent and memory (MB) as its exporter reports them.',
      [`max by (pod) (srs_cpu_percent${s})`, '{{pod}} cpu %'],
      [`max by (pod) (srs_memory${s})`, '{{pod}} memory']),
  ];
}

/** The Grafana dashboard model (schemaVersion 39) for `panels`. */
export function grafanaDashboard(uid: string, title: string, panels: readonly PanelSpec[]): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    uid, title, tags: ['rtmp-k8s'], timezone: 'browser', schemaVersion: 39, version: 1, refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        {
          name: 'namespace', type: 'query', datasource, label: 'Namespace', refresh: 2, includeAll: true, multi: true,
          query: { query: 'label_values(rtmp_server_info, namespace)', refId: 'namespace' },
          definition: 'label_values(rtmp_server_info, namespace)',
        },
      ],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      description: p.description,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    })),
  };
}
