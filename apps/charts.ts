import { App, Chart } from 'cdk8s';
import { EdgeCluster, OriginCluster, OriginWithNginx, RelayCluster, ServerEngine, SingleOrigin } from '../lib';

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
  // TLS (RTMPS 1443, HTTPS 8088) from a cert-manager-style Secret, and recording to a PersistentVolumeClaim.
  'single-origin-tls-recording': (c) => new SingleOrigin(c, 'SingleOrigin', {
    tls: { secretName: 'rtmp-tls' },
    recording: { sizeGibibytes: 50 },
  }),
  'origin-cluster-tls-recording': (c) => new OriginCluster(c, 'OriginCluster', {
    tls: { secretName: 'rtmp-tls' },
    recording: { sizeGibibytes: 200, readWriteMany: true },
  }),
};

/** Adds every chart to `app`, each named after its file in dist/. */
export function addCharts(app: App): Chart[] {
  return Object.entries(CHARTS).map(([id, build]) => {
    const chart = new Chart(app, id);
    build(chart);
    return chart;
  });
}
