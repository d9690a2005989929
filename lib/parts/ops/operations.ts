import { Construct } from 'constructs';
import { Autoscaling, AutoscalingProps } from './autoscaling';
import { HttpsEntry, IngressProps } from './ingress';
import { Monitoring, MonitoringProps } from './monitoring';
import { NetworkPolicies, NetworkPolicyProps } from './network-policy';
import { OpsTopology } from './topology';

/** The operations pack: props every topology construct takes (see README "Operate it"). */
export interface OperationsProps {
  /**
   * PodMonitor, PrometheusRule (alerts) and a Grafana dashboard ConfigMap. Needs the Prometheus Operator CRDs;
   * with SRS, `ServerEngine.srs({ exporter: true })`.
   * @default - no monitoring objects (pods still carry prometheus.io/* annotations)
   */
  readonly monitoring?: MonitoringProps;
  /**
   * Scale the viewer-facing servers (EdgeCluster and OriginCluster edges, RelayCluster servers) on players per pod,
   * with KEDA or an HPA plus prometheus-adapter. An error on SingleOrigin and OriginWithNginx.
   * @default - a fixed replica count
   */
  readonly autoscaling?: AutoscalingProps;
  /**
   * NetworkPolicies that let through only what the topology needs.
   * @default - on with the companion engine, off with SRS
   */
  readonly networkPolicy?: NetworkPolicyProps;
  /**
   * HTTPS for HTTP-FLV, HLS and the player page: a Gateway API HTTPRoute with a cert-manager Certificate, or an
   * Ingress with cert-manager's annotation. RTMP stays on the TCP LoadBalancer.
   * @default - no HTTPS entry
   */
  readonly ingress?: IngressProps;
}

/** The operations objects of one construct (each present only when its prop asks for it). */
export class Operations extends Construct {
  public readonly monitoring?: Monitoring;
  public readonly autoscaling?: Autoscaling;
  public readonly networkPolicies?: NetworkPolicies;
  public readonly https?: HttpsEntry;

  public constructor(scope: Construct, id: string, topology: OpsTopology, props: OperationsProps) {
    super(scope, id);
    if (props.monitoring) this.monitoring = new Monitoring(this, 'Monitoring', topology, props.monitoring);
    if (props.autoscaling) this.autoscaling = new Autoscaling(this, 'Autoscaling', topology, props.autoscaling);
    const np = props.networkPolicy ?? {};
    if (np.enabled !== undefined && typeof np.enabled !== 'boolean') {
      throw new Error(`${topology.owner} 'networkPolicy.enabled' must be true or false, got ${JSON.stringify(np.enabled)}`);
    }
    if (np.enabled ?? topology.engine.engineName === 'companion') this.networkPolicies = new NetworkPolicies(this, 'NetworkPolicies', topology, np);
    if (props.ingress) this.https = new HttpsEntry(this, 'Https', topology, props.ingress);
  }
}
