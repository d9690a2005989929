import { App, Chart } from 'cdk8s';
import {
  AutoscalingMode, EdgeCluster, IngressKind, LoadBalancerPreset, OriginCluster, OriginWithNginx, RelayCluster, ServerEngine, SingleOrigin,
} from '../lib';

/** What the production examples share: kube-prometheus-stack's rule/monitor selector label, and a Gateway. */
const monitoring = { labels: { release: 'kube-prometheus-stack' } };
const gateway = { name: 'public', namespace: 'gateway' };

const PRODUCTION: Record<string, (chart: Chart) => void> = {
  'single-origin-production': (c) => new SingleOrigin(c, 'SingleOrigin', {
    monitoring, loadBalancer: LoadBalancerPreset.aws(),
    ingress: { host: 'live.example.com', kind: IngressKind.INGRESS, ingressClassName: 'nginx' },
  }),
  'edge-cluster-production': (c) => new EdgeCluster(c, 'EdgeCluster', {
    monitoring, loadBalancer: LoadBalancerPreset.gke(),
    autoscaling: { minReplicas: 3, maxReplicas: 20, targetPlayersPerPod: 1000 },
    ingress: { host: 'live.example.com', gateway },
  }),
  'origin-cluster-production': (c) => new OriginCluster(c, 'OriginCluster', {
    monitoring, loadBalancer: LoadBalancerPreset.aks(),
    autoscaling: { minReplicas: 3, maxReplicas: 30, targetPlayersPerPod: 1000, mode: AutoscalingMode.HPA, targetCpuUtilizationPercent: 70 },
    ingress: { host: 'live.example.com', gateway },
  }),
  'relay-cluster-production': (c) => new RelayCluster(c, 'RelayCluster', {
    monitoring, loadBalancer: LoadBalancerPreset.alibaba(),
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetPlayersPerPod: 1000 },
    ingress: { host: 'live.example.com', gateway },
  }),
  'edge-cluster-production-srs': (c) => new EdgeCluster(c, 'EdgeCluster', {
    name: 'srs', engine: ServerEngine.srs({ exporter: true }), monitoring, networkPolicy: { enabled: true },
    loadBalancer: LoadBalancerPreset.tencent(),
    autoscaling: { minReplicas: 3, maxReplicas: 20, targetPlayersPerPod: 1000 },
  }),
};

/**
 * One chart per documented topology and engine. The companion-engine charts use the library defaults
 * (API internal, names prefixed `rtmp`); the `-srs` charts use SRS with the guide's names and, like the guide,
 * put the API on the public Service, so each contains the guide's YAML (test/constructs/guide-containment.test.ts).
 * RelayCluster and OriginCluster have no guide YAML; their `-srs` charts use SRS `forward` / `origin_cluster`.
 */
export const CHARTS: Record<string, (chart: Chart) => void> = {
  'single-origin': (c) => new SingleOrigin(c, 'SingleOrigin'),
  'single-origin-srs': (c) => new SingleOrigin(c, 'SingleOrigin', { name: 'srs', engine: ServerEngine.srs(), exposeApi: true }),
  'origin-with-nginx': (c) => new OriginWithNginx(c, 'OriginWithNginx'),
  'origin-with-nginx-srs': (c) => new OriginWithNginx(c, 'OriginWithNginx', { name: 'srs', engine: ServerEngine.srs(), exposeApi: true }),
  'edge-cluster': (c) => new EdgeCluster(c, 'EdgeCluster'),
  'edge-cluster-srs': (c) => new EdgeCluster(c, 'EdgeCluster', { name: 'srs', engine: ServerEngine.srs(), exposeApi: true }),
  'relay-cluster': (c) => new RelayCluster(c, 'RelayCluster'),
  'relay-cluster-srs': (c) => new RelayCluster(c, 'RelayCluster', { name: 'srs', engine: ServerEngine.srs() }),
  'origin-cluster': (c) => new OriginCluster(c, 'OriginCluster'),
  'origin-cluster-srs': (c) => new OriginCluster(c, 'OriginCluster', { name: 'srs', engine: ServerEngine.srs() }),
  // Production examples (README "Operate it"): the operations pack on, one cloud preset each.
  ...PRODUCTION,
};

/** Adds every chart to `app`, each named after its file in dist/. */
export function addCharts(app: App): Chart[] {
  return Object.entries(CHARTS).map(([id, build]) => {
    const chart = new Chart(app, id);
    build(chart);
    return chart;
  });
}
