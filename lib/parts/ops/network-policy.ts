import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { integrationEgressPorts } from '../../engines/integration';
import { checkPort } from '../checks';
import { OpsTopology, OpsWorkload } from './topology';

/** Props of the `networkPolicy` prop. */
export interface NetworkPolicyProps {
  /** Create the NetworkPolicies. @default true with the companion engine, false with SRS */
  readonly enabled?: boolean;
  /**
   * Labels of the namespace(s) Prometheus scrapes from: they may reach the API/metrics port.
   * @default { 'kubernetes.io/metadata.name': 'monitoring' }
   */
  readonly monitoringNamespaceLabels?: Record<string, string>;
  /**
   * More TCP ports every server may connect to at any address: what the policy cannot know, such as restream
   * targets an on_publish answer returns (e.g. [443, 1935]). The ports of the `hooks` and `forward` props' URLs
   * are added on their own.
   * @default []
   */
  readonly extraEgressPorts?: number[];
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const byApp = (apps: readonly string[]): k8s.NetworkPolicyPeer => ({
  podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [...apps] }] },
});

/**
 * One NetworkPolicy per server workload, ingress and egress both restricted: public ports from anywhere
 * (players and publishers through the LoadBalancer), peer ports only from the construct's own pods, the
 * API/metrics port only from the same namespace and the monitoring namespace, and egress only to DNS, the
 * construct's own upstreams and (EdgeCluster with external origins) their ports. A CNI without NetworkPolicy
 * support ignores these objects: nothing breaks, nothing is enforced.
 */
export class NetworkPolicies extends Construct {
  /** The policies, one per workload. */
  public readonly policies: k8s.KubeNetworkPolicy[];

  public constructor(scope: Construct, id: string, topology: OpsTopology, props: NetworkPolicyProps) {
    super(scope, id);
    const { owner, engine } = topology;
    const monitoringLabels = props.monitoringNamespaceLabels ?? { 'kubernetes.io/metadata.name': 'monitoring' };
    if (Object.keys(monitoringLabels).length === 0) {
      throw new Error(`${owner} 'networkPolicy.monitoringNamespaceLabels' must hold at least one label (an empty selector would open the API port to every namespace), got {}`);
    }
    const extra = props.extraEgressPorts ?? [];
    extra.forEach((port, i) => checkPort(owner, `networkPolicy.extraEgressPorts[${i}]`, port));
    const adminPorts = [...new Set([engine.ports.api, ...(engine.metrics ? [engine.metrics.port] : [])])];
    this.policies = topology.workloads.map((w) => new k8s.KubeNetworkPolicy(this, w.app, {
      metadata: { name: `${w.app}-netpol`, labels: { app: w.app } },
      spec: {
        podSelector: { matchLabels: { app: w.app } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: ingressRules(w, adminPorts, monitoringLabels),
        egress: egressRules(w, [...extra, ...integrationEgressPorts(engine.integration)]),
      },
    }));
  }
}

function ingressRules(w: OpsWorkload, adminPorts: number[], monitoringLabels: Record<string, string>): k8s.NetworkPolicyIngressRule[] {
  const rules: k8s.NetworkPolicyIngressRule[] = [];
  if (w.publicPorts.length > 0) rules.push({ ports: w.publicPorts.map(tcp) }); // no `from`: any source
  for (const peer of w.peerIngress) rules.push({ from: [byApp(peer.from)], ports: peer.ports.map(tcp) });
  rules.push({
    from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: monitoringLabels } }],
    ports: adminPorts.map(tcp),
  });
  return rules;
}

function egressRules(w: OpsWorkload, extra: readonly number[]): k8s.NetworkPolicyEgressRule[] {
  const rules: k8s.NetworkPolicyEgressRule[] = [
    // DNS anywhere (kube-dns or NodeLocal DNSCache): upstreams are Service names.
    { ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)] },
  ];
  for (const peer of w.peerEgress) rules.push({ to: [byApp(peer.to)], ports: peer.ports.map(tcp) });
  const anywhere = [...new Set([...(w.externalEgressPorts ?? []), ...extra])];
  if (anywhere.length) rules.push({ ports: anywhere.map(tcp) }); // no `to`: any address
  return rules;
}
