import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AlertThresholds, companionAlertRules, RuleGroup, srsAlertRules } from './alert-rules';
import { companionPanels, grafanaDashboard, srsPanels } from './dashboard';
import { OpsTopology } from './topology';

/** Props of the `monitoring` prop (needs the Prometheus Operator; the dashboard needs Grafana's sidecar). */
export interface MonitoringProps {
  /**
   * Labels added to the PodMonitor and PrometheusRule, so the Prometheus's `podMonitorSelector` and
   * `ruleSelector` pick them up (kube-prometheus-stack selects `release: <its release name>`).
   * @default {}
   */
  readonly labels?: Record<string, string>;
  /** Scrape interval of the PodMonitor. @default '15s' */
  readonly interval?: string;
  /** Create the PrometheusRule with the alerts. @default true */
  readonly alerts?: boolean;
  /** Alert thresholds. @default - see AlertThresholds */
  readonly thresholds?: AlertThresholds;
  /** Create the Grafana dashboard ConfigMap (labelled `grafana_dashboard: "1"` for Grafana's sidecar). @default true */
  readonly dashboard?: boolean;
}

/** Monitoring objects a construct creates with `monitoring`. */
export class Monitoring extends Construct {
  /** PromQL label matchers (no braces) that select this construct's pods' series. */
  public readonly selector: string;
  /** The PodMonitor (monitoring.coreos.com/v1). */
  public readonly podMonitor: ApiObject;
  /** The PrometheusRule, unless `alerts` is false. */
  public readonly prometheusRule?: ApiObject;
  /** The rule groups in the PrometheusRule. */
  public readonly ruleGroups: RuleGroup[];
  /** The dashboard ConfigMap, unless `dashboard` is false. */
  public readonly dashboard?: kplus.ConfigMap;
  /** The dashboard model (Grafana JSON) in that ConfigMap. */
  public readonly dashboardModel?: Record<string, unknown>;

  public constructor(scope: Construct, id: string, topology: OpsTopology, props: MonitoringProps) {
    super(scope, id);
    const { owner, engine, name } = topology;
    checkMonitoringProps(owner, props);
    const metrics = engine.metrics;
    if (!metrics) {
      throw new Error(`${owner} 'monitoring' needs an engine with metrics: with SRS use ServerEngine.srs({ exporter: true }) (SRS's exporter on 9972), got the ${engine.engineName} engine without it`);
    }
    const apps = topology.workloads.map((w) => w.app);
    this.selector = seriesSelector(scope, apps);
    const labels = props.labels ?? {};
    this.podMonitor = new ApiObject(this, 'PodMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: `${name}-pods`, labels },
      spec: {
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: apps }] },
        podMetricsEndpoints: [{
          port: metrics.portName,
          path: metrics.path,
          interval: props.interval ?? '15s',
          // `workload` and `role` scope the alerts, the dashboard and the autoscaling query to this construct;
          // not `app`: the per-stream series use `app` for the RTMP app.
          relabelings: [
            { sourceLabels: ['__meta_kubernetes_pod_label_app'], targetLabel: 'workload', action: 'replace' },
            { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], targetLabel: 'role', action: 'replace' },
          ],
        }],
      },
    });
    const companion = engine.engineName === 'companion';
    this.ruleGroups = companion
      ? companionAlertRules(`${name}.rtmp-server`, this.selector, props.thresholds)
      : srsAlertRules(`${name}.srs`, this.selector, props.thresholds);
    if (props.alerts ?? true) {
      this.prometheusRule = new ApiObject(this, 'Rules', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: `${name}-alerts`, labels },
        spec: { groups: this.ruleGroups },
      });
    }
    if (props.dashboard ?? true) {
      const panelSelector = `namespace=~"$namespace",${workloadMatcher(apps)}`;
      this.dashboardModel = grafanaDashboard(`${name}-rtmp`, `rtmp-k8s ${name}`, companion ? companionPanels(panelSelector) : srsPanels(panelSelector));
      this.dashboard = new kplus.ConfigMap(this, 'Dashboard', {
        metadata: { name: `${name}-dashboard`, labels: { grafana_dashboard: '1' } },
        data: { [`${name}-rtmp.json`]: JSON.stringify(this.dashboardModel, null, 2) },
      });
    }
  }
}

/** `workload="a"` or `workload=~"a|b"`. */
export function workloadMatcher(apps: readonly string[]): string {
  return apps.length === 1 ? `workload="${apps[0]}"` : `workload=~"${apps.join('|')}"`;
}

/** Label matchers for the series of these workloads: their namespace when the chart has one, and the workload label. */
export function seriesSelector(scope: Construct, apps: readonly string[]): string {
  const ns = Chart.of(scope).namespace;
  return ns ? `namespace="${ns}",${workloadMatcher(apps)}` : workloadMatcher(apps);
}

const DURATION = /^[0-9]+(ms|s|m|h)$/;

function checkMonitoringProps(owner: string, props: MonitoringProps): void {
  if (props.interval !== undefined && !DURATION.test(props.interval)) {
    throw new Error(`${owner} 'monitoring.interval' must be a Prometheus duration such as '15s' or '1m', got ${JSON.stringify(props.interval)}`);
  }
  for (const [key, value] of Object.entries(props.thresholds ?? {})) {
    const allowed = ['stalledStreamSeconds', 'pullFailuresPer5m', 'slowPlayerClosesPerMinute', 'droppedFramesPerSecond', 'notReadyMinutes'];
    if (!allowed.includes(key)) throw new Error(`${owner} 'monitoring.thresholds.${key}' is unknown; allowed: ${allowed.join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`${owner} 'monitoring.thresholds.${key}' must be a number > 0, got ${JSON.stringify(value)}`);
    }
    if (key === 'notReadyMinutes' && !Number.isInteger(value)) {
      throw new Error(`${owner} 'monitoring.thresholds.notReadyMinutes' must be a whole number of minutes, got ${JSON.stringify(value)}`);
    }
  }
  for (const [key, value] of Object.entries(props.labels ?? {})) {
    if (typeof value !== 'string' || !/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(value) || value.length > 63) {
      throw new Error(`${owner} 'monitoring.labels.${key}' must be a label value (alphanumerics, '-', '_', '.', at most 63), got ${JSON.stringify(value)}`);
    }
  }
}
