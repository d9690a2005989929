// A real Prometheus (Debian's package) scrapes a real origin and edge on loopback, with the scrape settings and
// target labels the synthesized PodMonitor gives them, and evaluates the synthesized rules. An ffmpeg publisher
// feeds the origin; 10 ffmpeg HTTP-FLV players play from the edge. Checks: the ScaledObject's query (and the
// HPA mode's prometheus-adapter rule) says 10 for the edge pod, every dashboard panel's query evaluates and
// returns data, every rule evaluates without error and none fires while the stream is healthy.
import { AutoscalingMode } from '../../lib';
import { until } from '../server/api-players';
import { LiveStack, startLiveStack } from './live-stack';
import { NAMESPACE, only, synthEdgeCluster } from './support';

const PLAYERS = 10;
const keda = synthEdgeCluster({ monitoring: {}, autoscaling: { maxReplicas: 10 } }).objects;
const hpa = synthEdgeCluster({ autoscaling: { maxReplicas: 10, mode: AutoscalingMode.HPA } }).construct.operations.autoscaling!;
const dashboardCm = keda.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')!;
const dashboard = JSON.parse(Object.values(dashboardCm.data as Record<string, string>)[0]);
const scaledObjectQuery: string = only(keda, 'ScaledObject').spec.triggers[0].metadata.query;

describe('a real Prometheus scraping a real origin and edge', () => {
  let stack: LiveStack;
  const query = (expr: string) => stack.query(expr);
  const scalar = (expr: string) => stack.scalar(expr);

  beforeAll(async () => {
    stack = await startLiveStack({ podMonitor: only(keda, 'PodMonitor'), rules: only(keda, 'PrometheusRule'), players: PLAYERS, seconds: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test(`the ScaledObject's query says ${PLAYERS} players for the edge pod`, async () => {
    expect(scaledObjectQuery).toBe(`sum(rtmp_server_players{namespace="${NAMESPACE}",workload="rtmp-edge"})`);
    expect(await until(async () => (await scalar(scaledObjectQuery)) === PLAYERS, 150, 200)).toBe(true);
  });

  test(`the HPA mode's prometheus-adapter rule serves ${PLAYERS} for the edge pod`, async () => {
    const rule = hpa.adapterRule as { seriesQuery: string; metricsQuery: string };
    // What prometheus-adapter sends for `pods/rtmp_server_players` of that pod.
    const expr = rule.metricsQuery
      .replace('<<.Series>>', 'rtmp_server_players')
      .replace('<<.LabelMatchers>>', `namespace="${NAMESPACE}",pod=~"rtmp-edge-deploy-0"`)
      .replace('<<.GroupBy>>', 'pod');
    expect(await until(async () => (await scalar(expr)) === PLAYERS, 150, 200)).toBe(true);
    // One series per protocol (rtmp, flv, hls) per pod; the rule sums them by pod. The origin's first scrape can
    // land after the edge's, so wait for it (bounded) before comparing.
    const pods = async () => [...new Set((await query(rule.seriesQuery)).data!.result.map((r) => r.metric.pod))].sort();
    await until(async () => (await pods()).length >= 2, 100, 200);
    expect(await pods()).toEqual(['rtmp-edge-deploy-0', 'rtmp-origin-deploy-0']);
  });

  test('every dashboard panel query evaluates without error and returns data', async () => {
    // Several samples of every counter, so rate() has data.
    await until(async () => (await scalar('count(count by (pod) (count_over_time(rtmp_server_players[30s]) >= 5))')) === 2, 100, 200);
    const targets: { title: string; expr: string }[] = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => ({ title: p.title, expr: t.expr })));
    expect(targets.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    const empty: string[] = [];
    for (const t of targets) {
      const expr = t.expr.replace(/\$namespace/g, NAMESPACE).replace(/\$__rate_interval/g, '30s');
      const r = await query(expr);
      expect({ expr, status: r.status, error: r.error }).toEqual({ expr, status: 'success', error: undefined });
      if (r.data!.result.length === 0) empty.push(`${t.title}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });

  test('the per-stream series carry app and stream, scoped by the workload label', async () => {
    const r = await query(`rtmp_server_stream_players{namespace="${NAMESPACE}",workload="rtmp-edge"}`);
    expect(r.data!.result.map((x) => [x.metric.app, x.metric.stream, x.value?.[1]])).toEqual([['live', 'livestream', String(PLAYERS)]]);
  });

  test('every rule evaluates without error, and none fires while the stream flows', async () => {
    const rulesApi = await until(async () => {
      const body = await fetch(`http://127.0.0.1:${stack.promPort}/api/v1/rules`).then((r) => r.json()) as any;
      const all = body.data.groups.flatMap((g: any) => g.rules);
      return all.length > 0 && all.every((x: any) => x.lastEvaluation && !x.lastEvaluation.startsWith('0001')) ? all : undefined;
    }, 100, 200);
    expect(rulesApi.map((x: any) => [x.name, x.health, x.lastError ?? ''])).toEqual(rulesApi.map((x: any) => [x.name, 'ok', '']));
    expect(rulesApi.filter((x: any) => x.state !== 'inactive').map((x: any) => x.name)).toEqual([]);
  });
});
