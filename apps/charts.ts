import { App, Chart } from 'cdk8s';
import {
  AutoscalingMode, DemoPublisher, DemoTopology, EdgeCluster, IngressKind, LoadBalancerPreset, OriginCluster, OriginWithNginx, RelayCluster, ServerEngine, SingleOrigin,
} from '../lib';

/** Options every topology chart takes. */
export interface ChartOptions {
  /** Add a DemoPublisher that publishes a test pattern to the topology's publish address. @default false */
  readonly demo?: boolean;
}

/** Adds a DemoPublisher for `topology` when `demo` is set. */
function withDemo(chart: Chart, topology: DemoTopology, options: ChartOptions): void {
  if (options.demo) new DemoPublisher(chart, 'Demo', { topology });
}

/** What the production examples share: kube-prometheus-stack's rule/monitor selector label, and a Gateway. */
const monitoring = { labels: { release: 'kube-prometheus-stack' } };
const gateway = { name: 'public', namespace: 'gateway' };

const PRODUCTION: Record<string, (chart: Chart, options?: ChartOptions) => void> = {
  'single-origin-production': (c, o = {}) => withDemo(c, new SingleOrigin(c, 'SingleOrigin', {
    monitoring, loadBalancer: LoadBalancerPreset.aws(),
    ingress: { host: 'live.example.com', kind: IngressKind.INGRESS, ingressClassName: 'nginx' },
  }), o),
  'edge-cluster-production': (c, o = {}) => withDemo(c, new EdgeCluster(c, 'EdgeCluster', {
    monitoring, loadBalancer: LoadBalancerPreset.gke(),
    autoscaling: { minReplicas: 3, maxReplicas: 20, targetPlayersPerPod: 1000 },
    ingress: { host: 'live.example.com', gateway },
  }), o),
  'origin-cluster-production': (c, o = {}) => withDemo(c, new OriginCluster(c, 'OriginCluster', {
    monitoring, loadBalancer: LoadBalancerPreset.aks(),
    autoscaling: { minReplicas: 3, maxReplicas: 30, targetPlayersPerPod: 1000, mode: AutoscalingMode.HPA, targetCpuUtilizationPercent: 70 },
    ingress: { host: 'live.example.com', gateway },
  }), o),
  'relay-cluster-production': (c, o = {}) => withDemo(c, new RelayCluster(c, 'RelayCluster', {
    monitoring, loadBalancer: LoadBalancerPreset.alibaba(),
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetPlayersPerPod: 1000 },
    ingress: { host: 'live.example.com', gateway },
  }), o),
  'edge-cluster-production-srs': (c, o = {}) => withDemo(c, new EdgeCluster(c, 'EdgeCluster', {
    name: 'srs', engine: ServerEngine.srs({ exporter: true }), monitoring, networkPolicy: { enabled: true },
    loadBalancer: LoadBalancerPreset.tencent(),
    autoscaling: { minReplicas: 3, maxReplicas: 20, targetPlayersPerPod: 1000 },
  }), o),
};

/**
 * One chart per documented topology and engine. The companion-engine charts use the library defaults
 * (API internal, names prefixed `rtmp`); the `-srs` charts use SRS with the guide's names and, like the guide,
 * put the API on the public Service, so each contains the guide's YAML (test/constructs/guide-containment.test.ts).
 * RelayCluster and OriginCluster have no guide YAML; their `-srs` charts use SRS `forward` / `origin_cluster`.
 */
export const CHARTS: Record<string, (chart: Chart, options?: ChartOptions) => void> = {
  'single-origin': (c, o = {}) => withDemo(c, new SingleOrigin(c, 'SingleOrigin'), o),
  'single-origin-srs': (c, o = {}) => withDemo(c, new SingleOrigin(c, 'SingleOrigin', { name: 'srs', engine: ServerEngine.srs(), exposeApi: true }), o),
  'origin-with-nginx': (c, o = {}) => withDemo(c, new OriginWithNginx(c, 'OriginWithNginx'), o),
  'origin-with-nginx-srs': (c, o = {}) => withDemo(c, new OriginWithNginx(c, 'OriginWithNginx', { name: 'srs', engine: ServerEngine.srs(), exposeApi: true }), o),
  'edge-cluster': (c, o = {}) => withDemo(c, new EdgeCluster(c, 'EdgeCluster'), o),
  'edge-cluster-srs': (c, o = {}) => withDemo(c, new EdgeCluster(c, 'EdgeCluster', { name: 'srs', engine: ServerEngine.srs(), exposeApi: true }), o),
  'relay-cluster': (c, o = {}) => withDemo(c, new RelayCluster(c, 'RelayCluster'), o),
  'relay-cluster-srs': (c, o = {}) => withDemo(c, new RelayCluster(c, 'RelayCluster', { name: 'srs', engine: ServerEngine.srs() }), o),
  'origin-cluster': (c, o = {}) => withDemo(c, new OriginCluster(c, 'OriginCluster'), o),
  'origin-cluster-srs': (c, o = {}) => withDemo(c, new OriginCluster(c, 'OriginCluster', { name: 'srs', engine: ServerEngine.srs() }), o),
  // Gray release: one canary edge with its own config (debug logs; a new `image` tag goes in the same place) next to
  // the 3 stable edges. It uses the published default image so the file applies as is.
  'edge-cluster-canary': (c, o = {}) => withDemo(c, new EdgeCluster(c, 'EdgeCluster', {
    canary: {
      engine: ServerEngine.companion({ serverConfig: { log: { level: 'debug' } } }),
      replicas: 1,
    },
  }), o),
  // The Quick Start origin with a demo stream: apply it and play rtmp://<service ip>/live/livestream at once.
  'demo-publisher': (c) => withDemo(c, new SingleOrigin(c, 'SingleOrigin'), { demo: true }),
  // Production examples (README "Operate it"): the operations pack on, one cloud preset each.
  ...PRODUCTION,
  // TLS (RTMPS 1443, HTTPS 8088) from a cert-manager-style Secret, and recording to a PersistentVolumeClaim.
  'single-origin-tls-recording': (c, o = {}) => withDemo(c, new SingleOrigin(c, 'SingleOrigin', {
    tls: { secretName: 'rtmp-tls' },
    recording: { sizeGibibytes: 50 },
  }), o),
  'origin-cluster-tls-recording': (c, o = {}) => withDemo(c, new OriginCluster(c, 'OriginCluster', {
    tls: { secretName: 'rtmp-tls' },
    recording: { sizeGibibytes: 200, readWriteMany: true },
  }), o),
};

/** Adds every chart to `app`, each named after its file in dist/. */
export function addCharts(app: App): Chart[] {
  return Object.entries(CHARTS).map(([id, build]) => {
    const chart = new Chart(app, id);
    build(chart);
    return chart;
  });
}
