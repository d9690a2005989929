import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Yaml } from 'cdk8s';
import { seriesSelector } from './monitoring';
import { OpsScalable, OpsTopology } from './topology';

/** How the scaler is built. */
export enum AutoscalingMode {
  /** A KEDA ScaledObject with a Prometheus trigger (needs KEDA). */
  KEDA = 'keda',
  /** An autoscaling/v2 HorizontalPodAutoscaler on a Pods metric (needs prometheus-adapter with the rendered rule). */
  HPA = 'hpa',
}

/** Props of the `autoscaling` prop: scale the viewer-facing servers on players per pod. */
export interface AutoscalingProps {
  /** Fewest pods. @default 2 */
  readonly minReplicas?: number;
  /** Most pods. */
  readonly maxReplicas: number;
  /** Players per pod the scaler aims at (RTMP and HTTP-FLV sessions and HLS viewers, `rtmp_server_players` summed over `protocol`; SRS: `srs_clients`). @default 500 */
  readonly targetPlayersPerPod?: number;
  /** Also scale on CPU: percent of the CPU request. @default - players only */
  readonly targetCpuUtilizationPercent?: number;
  /** KEDA or a plain HPA with prometheus-adapter. @default AutoscalingMode.KEDA */
  readonly mode?: AutoscalingMode;
  /** Prometheus URL KEDA queries. @default 'http://prometheus-operated.monitoring.svc:9090' */
  readonly prometheusAddress?: string;
  /**
   * Seconds the scaler waits before removing pods after load fell. At least the pods' termination grace period
   * (preStop + drain), so a pod still draining its players is not counted out early; a smaller value is an error.
   * @default - the larger of 300 and the termination grace period
   */
  readonly scaleDownStabilizationSeconds?: number;
}

/** The objects `autoscaling` creates. */
export class Autoscaling extends Construct {
  /** The PromQL the scaler uses: players summed over the scaled pods (KEDA divides by the replica count). */
  public readonly query: string;
  /** The KEDA ScaledObject (mode KEDA). */
  public readonly scaledObject?: ApiObject;
  /** The HorizontalPodAutoscaler (mode HPA). */
  public readonly hpa?: k8s.KubeHorizontalPodAutoscalerV2;
  /** ConfigMap with the prometheus-adapter rule that serves `rtmp_server_players` as a Pods metric (mode HPA). */
  public readonly adapterRules?: kplus.ConfigMap;
  /** The adapter rule itself (what goes into prometheus-adapter's `rules.custom`). */
  public readonly adapterRule?: Record<string, unknown>;
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  public readonly targetPlayersPerPod: number;
  public readonly scaleDownStabilizationSeconds: number;

  public constructor(scope: Construct, id: string, topology: OpsTopology, props: AutoscalingProps) {
    super(scope, id);
    const { owner } = topology;
    const target = topology.scalable;
    if (!target) {
      throw new Error(`${owner} 'autoscaling' needs a topology with edges or relay servers to scale on viewers (EdgeCluster, OriginCluster, RelayCluster); ${owner} has one origin: remove 'autoscaling'`);
    }
    const p = checkAutoscalingProps(owner, props, topology);
    this.minReplicas = p.minReplicas;
    this.maxReplicas = p.maxReplicas;
    this.targetPlayersPerPod = p.targetPlayersPerPod;
    this.scaleDownStabilizationSeconds = p.stabilization;
    const players = topology.engine.metrics?.playersMetric;
    if (!players) {
      throw new Error(`${owner} 'autoscaling' needs an engine with metrics: with SRS use ServerEngine.srs({ exporter: true }), got the ${topology.engine.engineName} engine without it`);
    }
    this.query = `sum(${players}{${seriesSelector(scope, [target.app])}})`;
    const ref = scaleTargetRef(target);
    // The scaler owns the replica count: a `replicas` in the manifest would reset it on every apply.
    ApiObject.of(target.workload).addJsonPatch(JsonPatch.remove('/spec/replicas'));
    const behavior = {
      scaleDown: {
        stabilizationWindowSeconds: p.stabilization,
        // One pod at a time, one per grace period: each leaving pod finishes its drain before the next goes.
        policies: [{ type: 'Pods', value: 1, periodSeconds: Math.max(60, topology.engine.terminationGracePeriodSeconds) }],
      },
    };
    const name = `${ref.name}-scaler`;
    if (p.mode === AutoscalingMode.KEDA) {
      const triggers: Record<string, unknown>[] = [{
        type: 'prometheus',
        metricType: 'AverageValue',
        metadata: { serverAddress: p.prometheusAddress, query: this.query, threshold: String(p.targetPlayersPerPod) },
      }];
      if (p.cpu !== undefined) triggers.push({ type: 'cpu', metricType: 'Utilization', metadata: { value: String(p.cpu) } });
      this.scaledObject = new ApiObject(this, 'ScaledObject', {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name, labels: { app: target.app } },
        spec: {
          scaleTargetRef: ref,
          minReplicaCount: p.minReplicas,
          maxReplicaCount: p.maxReplicas,
          cooldownPeriod: p.stabilization,
          advanced: { horizontalPodAutoscalerConfig: { behavior } },
          triggers,
        },
      });
    } else {
      const metrics: k8s.MetricSpecV2[] = [{
        type: 'Pods',
        pods: {
          metric: { name: players },
          target: { type: 'AverageValue', averageValue: k8s.Quantity.fromNumber(p.targetPlayersPerPod) },
        },
      }];
      if (p.cpu !== undefined) {
        metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: p.cpu } } });
      }
      this.hpa = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
        metadata: { name, labels: { app: target.app } },
        spec: { scaleTargetRef: ref, minReplicas: p.minReplicas, maxReplicas: p.maxReplicas, metrics, behavior },
      });
      this.adapterRule = {
        seriesQuery: `${players}{namespace!="",pod!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: `^${players}$`, as: players },
        metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
      };
      this.adapterRules = new kplus.ConfigMap(this, 'AdapterRules', {
        metadata: { name: `${ref.name}-prometheus-adapter-rules`, labels: { app: target.app } },
        data: { 'rules.yaml': Yaml.stringify({ rules: [this.adapterRule] }) },
      });
    }
  }
}

function scaleTargetRef(target: OpsScalable): { apiVersion: string; kind: string; name: string } {
  const kind = target.workload instanceof kplus.StatefulSet ? 'StatefulSet' : 'Deployment';
  return { apiVersion: 'apps/v1', kind, name: target.workload.name };
}

interface CheckedAutoscaling {
  minReplicas: number;
  maxReplicas: number;
  targetPlayersPerPod: number;
  cpu?: number;
  mode: AutoscalingMode;
  prometheusAddress: string;
  stabilization: number;
}

const ALLOWED = ['minReplicas', 'maxReplicas', 'targetPlayersPerPod', 'targetCpuUtilizationPercent', 'mode', 'prometheusAddress', 'scaleDownStabilizationSeconds'];

function checkAutoscalingProps(owner: string, props: AutoscalingProps, topology: OpsTopology): CheckedAutoscaling {
  const fail = (prop: string, rule: string, value: unknown): never => {
    throw new Error(`${owner} 'autoscaling.${prop}' ${rule}, got ${JSON.stringify(value)}`);
  };
  for (const key of Object.keys(props)) if (!ALLOWED.includes(key)) fail(key, `is unknown; allowed: ${ALLOWED.join(', ')}`, (props as unknown as Record<string, unknown>)[key]);
  const int = (prop: keyof AutoscalingProps, value: unknown, min: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(prop, `must be an integer >= ${min}`, value);
    return value as number;
  };
  const minReplicas = int('minReplicas', props.minReplicas ?? 2, 1);
  const maxReplicas = int('maxReplicas', props.maxReplicas, 1);
  if (minReplicas > maxReplicas) {
    throw new Error(`${owner} 'autoscaling.minReplicas' (${minReplicas}) must not be greater than 'autoscaling.maxReplicas' (${maxReplicas})`);
  }
  const targetPlayersPerPod = int('targetPlayersPerPod', props.targetPlayersPerPod ?? 500, 1);
  const cpu = props.targetCpuUtilizationPercent === undefined ? undefined : int('targetCpuUtilizationPercent', props.targetCpuUtilizationPercent, 1);
  if (topology.cpuRequestMillis <= 0) {
    throw new Error(`${owner} 'resources.cpuRequestMillis' must be > 0 with 'autoscaling' (utilization is measured against the request), got ${topology.cpuRequestMillis}`);
  }
  const mode = props.mode ?? AutoscalingMode.KEDA;
  if (!Object.values(AutoscalingMode).includes(mode)) fail('mode', `must be one of ${Object.values(AutoscalingMode).join(', ')}`, mode);
  const prometheusAddress = props.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc:9090';
  if (!/^https?:\/\/[^\s/]+/.test(prometheusAddress)) fail('prometheusAddress', 'must be an http(s) URL', prometheusAddress);
  const grace = topology.engine.terminationGracePeriodSeconds;
  const given = props.scaleDownStabilizationSeconds;
  if (given !== undefined && (!Number.isInteger(given) || given < grace)) {
    fail('scaleDownStabilizationSeconds', `must be an integer >= ${grace} (the pods' termination grace period: preStop + drain), so a draining pod is not counted out early`, given);
  }
  const stabilization = given ?? Math.max(300, grace);
  return { minReplicas, maxReplicas, targetPlayersPerPod, cpu, mode, prometheusAddress, stabilization };
}
