/**
 * The companion server's alerts as Prometheus rule groups (the PrometheusRule's spec.groups). Each alert is
 * grouped by pod, so it names the pod to look at. test/ops/alert-rules checks them with the real promtool.
 */

/** Alert thresholds; the defaults suit one encoder per stream and players on ordinary networks. */
export interface AlertThresholds {
  /** Seconds a published stream may receive no media before `RtmpStreamStalled` fires. @default 30 */
  readonly stalledStreamSeconds?: number;
  /** Failed edge pulls per pod in 5 minutes before `RtmpOriginUnreachable` fires. @default 3 */
  readonly pullFailuresPer5m?: number;
  /** Slow players closed per pod per minute (10-minute average) before `RtmpSlowPlayers` fires. @default 1 */
  readonly slowPlayerClosesPerMinute?: number;
  /** Frames dropped for slow players per pod per second (10-minute average) before `RtmpDroppedFrames` fires. @default 25 */
  readonly droppedFramesPerSecond?: number;
  /** Minutes a pod may stay not ready (a drain takes less) before `RtmpPodNotReady` fires. @default 5 */
  readonly notReadyMinutes?: number;
}

/** One rule of a group (the PrometheusRule and promtool shape). */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A rule group. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/** The thresholds with defaults filled in. */
export function resolveThresholds(t: AlertThresholds = {}): Required<AlertThresholds> {
  return {
    stalledStreamSeconds: t.stalledStreamSeconds ?? 30,
    pullFailuresPer5m: t.pullFailuresPer5m ?? 3,
    slowPlayerClosesPerMinute: t.slowPlayerClosesPerMinute ?? 1,
    droppedFramesPerSecond: t.droppedFramesPerSecond ?? 25,
    notReadyMinutes: t.notReadyMinutes ?? 5,
  };
}

/**
 * The rule groups for the pods matched by `selector` (PromQL label matchers without braces,
 * e.g. `namespace="live",app=~"rtmp-origin|rtmp-edge"`).
 */
export function companionAlertRules(groupName: string, selector: string, thresholds: AlertThresholds = {}): RuleGroup[] {
  const t = resolveThresholds(thresholds);
  const by = 'by (namespace, pod)';
  const m = (metric: string) => `${metric}{${selector}}`;
  const rule = (alert: string, severity: string, expr: string, forDuration: string | undefined, summary: string, description: string): AlertRule => ({
    alert, expr, ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description },
  });
  return [{
    name: groupName,
    rules: [
      rule('RtmpStreamStalled', 'warning',
        `max ${by} (${m('rtmp_server_publish_stall_seconds_max')}) >= ${t.stalledStreamSeconds}`, undefined,
        'A published stream receives no media',
        `A stream on {{ $labels.pod }} has had a publisher but no frames for {{ $value | humanize }} s (threshold ${t.stalledStreamSeconds} s): the encoder or its network stalled.`),
      rule('RtmpOriginUnreachable', 'critical',
        `sum ${by} (increase(${m('rtmp_server_upstream_pull_failures_total')}[5m])) >= ${t.pullFailuresPer5m}`, '2m',
        'Edge pulls from the origin fail',
        `{{ $labels.pod }} failed {{ $value | humanize }} upstream pulls in 5 minutes: the origin is unreachable from this edge (Service, NetworkPolicy, origin pods).`),
      rule('RtmpSlowPlayers', 'warning',
        `sum ${by} (rate(${m('rtmp_server_slow_players_closed_total')}[10m])) * 60 > ${t.slowPlayerClosesPerMinute}`, '10m',
        'Players are closed for falling behind',
        `{{ $labels.pod }} closes {{ $value | humanize }} slow players a minute: players lack bandwidth or the pod its egress.`),
      rule('RtmpDroppedFrames', 'warning',
        `sum ${by} (rate(${m('rtmp_server_dropped_frames_total')}[10m])) > ${t.droppedFramesPerSecond}`, '10m',
        'Frames are dropped for slow players',
        `{{ $labels.pod }} drops {{ $value | humanize }} frames a second for players that fall behind.`),
      rule('RtmpPodNotReady', 'warning',
        `max ${by} (${m('rtmp_server_ready')}) == 0`, `${t.notReadyMinutes}m`,
        'A media server pod is not ready',
        `{{ $labels.pod }} has said not ready for ${t.notReadyMinutes} minutes; a drain takes less, so it is stuck.`),
      rule('RtmpServerDown', 'critical',
        `max ${by} (${m('up')}) == 0`, `${t.notReadyMinutes}m`,
        'Prometheus cannot scrape a media server pod',
        `{{ $labels.pod }} has not answered /metrics for ${t.notReadyMinutes} minutes.`),
      rule('RtmpHlsWriteErrors', 'warning',
        `sum ${by} (increase(${m('rtmp_server_hls_write_errors_total')}[5m])) > 0`, undefined,
        'HLS files cannot be written',
        `{{ $labels.pod }} failed {{ $value | humanize }} HLS writes in 5 minutes: the HLS volume is full or unwritable; players get stale playlists.`),
      rule('RtmpConfigReloadRejected', 'warning',
        `sum ${by} (increase(${m('rtmp_server_config_reloads_rejected_total')}[10m])) > 0`, undefined,
        'A config change was rejected',
        `{{ $labels.pod }} refused a new ConfigMap in the last 10 minutes and keeps running the old config; its log says which field (event config-reload-rejected).`),
    ],
  }];
}

/**
 * SRS through its exporter: only what its metrics support (see README "Operate it"): no stall, pull, drop,
 * HLS or reload figures exist there, so those alerts have no SRS counterpart.
 */
export function srsAlertRules(groupName: string, selector: string, thresholds: AlertThresholds = {}): RuleGroup[] {
  const t = resolveThresholds(thresholds);
  return [{
    name: groupName,
    rules: [{
      alert: 'SrsClientErrors',
      expr: `sum by (namespace, pod) (rate(srs_clients_errs_total{${selector}}[10m])) * 60 > ${t.slowPlayerClosesPerMinute}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'SRS clients end with errors',
        description: `{{ $labels.pod }} ends {{ $value | humanize }} client connections a minute with an error.`,
      },
    }, {
      alert: 'RtmpServerDown',
      expr: `max by (namespace, pod) (up{${selector}}) == 0`,
      for: `${t.notReadyMinutes}m`,
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Prometheus cannot scrape an SRS exporter',
        description: `{{ $labels.pod }} has not answered the SRS exporter (9972) for ${t.notReadyMinutes} minutes.`,
      },
    }],
  }];
}
