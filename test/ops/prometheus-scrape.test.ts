// A real Prometheus (Debian's package) scrapes a real origin and edge on loopback, with the scrape settings and
// target labels the synthesized PodMonitor gives them, and evaluates the synthesized rules. An ffmpeg publisher
// feeds the origin; 10 ffmpeg HTTP-FLV players play from the edge. Checks: the ScaledObject's query (and the
// HPA mode's prometheus-adapter rule) says 10 for the edge pod, every dashboard panel's query evaluates and
// returns data, every rule evaluates without error and none fires while the stream is healthy.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';
import { AutoscalingMode } from '../../lib';
import { publish, Publisher } from '../helpers/media';
import { freePort, waitForPort } from '../helpers/ports';
import { RunningServer, startServer } from '../helpers/server-process';
import { until } from '../server/api-players';
import { NAMESPACE, only, synthEdgeCluster } from './support';

const PLAYERS = 10;
const keda = synthEdgeCluster({ monitoring: {}, autoscaling: { maxReplicas: 10 } }).objects;
const hpa = synthEdgeCluster({ autoscaling: { maxReplicas: 10, mode: AutoscalingMode.HPA } }).construct.operations.autoscaling!;
const podMonitor = only(keda, 'PodMonitor');
const rules = only(keda, 'PrometheusRule');
const dashboardCm = keda.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')!;
const dashboard = JSON.parse(Object.values(dashboardCm.data as Record<string, string>)[0]);
const scaledObjectQuery: string = only(keda, 'ScaledObject').spec.triggers[0].metadata.query;

/** An HTTP-FLV player: ffmpeg reading the stream without decoding (cheap, still a real client), bounded in time. */
function flvPlayer(url: string, seconds: number): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-rw_timeout', '10000000', '-i', url, '-t', String(seconds), '-map', '0', '-c', 'copy', '-f', 'null', '-'],
    { stdio: 'ignore' });
}

describe('a real Prometheus scraping a real origin and edge', () => {
  let origin: RunningServer;
  let edge: RunningServer;
  let pub: Publisher;
  let prom: ChildProcess;
  let promPort: number;
  let dir: string;
  const players: ChildProcess[] = [];

  const query = async (expr: string): Promise<{ status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } }> => {
    const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return r.json() as never;
  };
  const scalar = async (expr: string): Promise<number | undefined> => {
    const r = await query(expr);
    return r.data?.result.length === 1 ? Number(r.data.result[0].value[1]) : undefined;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-prom-'));
    origin = await startServer();
    edge = await startServer({ args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`] });
    pub = publish(origin.rtmpUrl('live', 'livestream'), 90);
    // Scrape config equivalent to the PodMonitor: its path, and the target labels its relabelings produce.
    const endpoint = podMonitor.spec.podMetricsEndpoints[0];
    const target = (s: RunningServer, workload: string, role: string, pod: string) => ({
      targets: [`127.0.0.1:${s.apiPort}`],
      labels: { namespace: NAMESPACE, pod, workload, role, container: 'rtmp-server', endpoint: endpoint.port },
    });
    fs.writeFileSync(path.join(dir, 'rules.yaml'), Yaml.stringify({ groups: rules.spec.groups }));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), Yaml.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yaml'],
      scrape_configs: [{
        job_name: `podMonitor/${NAMESPACE}/${podMonitor.metadata.name}/0`,
        metrics_path: endpoint.path,
        static_configs: [
          target(origin, 'rtmp-origin', 'origin', 'rtmp-origin-deploy-0'),
          target(edge, 'rtmp-edge', 'edge', 'rtmp-edge-deploy-0'),
        ],
      }],
    }));
    promPort = await freePort();
    prom = spawn('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
    ], { stdio: 'ignore' });
    await waitForPort(promPort, 20000);
    // Players once the origin has the stream, so each one's pull starts at once.
    await until(async () => (await fetch(origin.apiUrl('/api/v1/streams')).then((r) => r.json()) as any).streams.some((s: any) => s.publish.active && s.video));
    for (let i = 0; i < PLAYERS; i++) players.push(flvPlayer(edge.httpUrl('/live/livestream.flv'), 60));
  });

  afterAll(async () => {
    for (const p of players) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    if (prom && prom.exitCode === null) prom.kill('SIGKILL');
    await pub?.stop();
    await edge?.stop('SIGKILL');
    await origin?.stop('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
    const series = await query(rule.seriesQuery);
    expect(series.data!.result.map((r) => r.metric.pod).sort()).toEqual(['rtmp-edge-deploy-0', 'rtmp-origin-deploy-0']);
  });

  test('every dashboard panel query evaluates without error and returns data', async () => {
    // Several samples of every counter, so rate() has data.
    await until(async () => (await scalar('count(count_over_time(rtmp_server_players[30s]) >= 5)')) === 2, 100, 200);
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
    expect(r.data!.result.map((x) => [x.metric.app, x.metric.stream, x.value[1]])).toEqual([['live', 'livestream', String(PLAYERS)]]);
  });

  test('every rule evaluates without error, and none fires while the stream flows', async () => {
    const rulesApi = await until(async () => {
      const body = await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`).then((r) => r.json()) as any;
      const all = body.data.groups.flatMap((g: any) => g.rules);
      return all.length > 0 && all.every((x: any) => x.lastEvaluation && !x.lastEvaluation.startsWith('0001')) ? all : undefined;
    }, 100, 200);
    expect(rulesApi.map((x: any) => [x.name, x.health, x.lastError ?? ''])).toEqual(rulesApi.map((x: any) => [x.name, 'ok', '']));
    expect(rulesApi.filter((x: any) => x.state !== 'inactive').map((x: any) => x.name)).toEqual([]);
  });
});
