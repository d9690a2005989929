// A live stack on loopback, as the operations pack sees one in a cluster: a real origin and edge (companion
// servers), an ffmpeg publisher on the origin, ffmpeg HTTP-FLV players on the edge, and a real Prometheus
// (Debian's package) scraping both with the PodMonitor's path and target labels and evaluating the rules.
// Used by test/ops/prometheus-scrape.test.ts and scripts/render-dashboard.ts.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';
import { publish, Publisher } from '../helpers/media';
import { freePort, waitForPort } from '../helpers/ports';
import { RunningServer, startServer } from '../helpers/server-process';
import { until } from '../server/api-players';
import type { K8sObject } from '../constructs/support/synth';
import { NAMESPACE } from './support';

export interface PromResult {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

export interface LiveStack {
  readonly origin: RunningServer;
  readonly edge: RunningServer;
  readonly promPort: number;
  /** Instant query. */
  query(expr: string): Promise<PromResult>;
  /** The single value of an instant query with one series, else undefined. */
  scalar(expr: string): Promise<number | undefined>;
  /** Range query over the last `seconds`. */
  range(expr: string, seconds: number, stepSeconds: number): Promise<PromResult>;
  stop(): Promise<void>;
}

/** An HTTP-FLV player: ffmpeg reading the stream without decoding (cheap, still a real client), bounded in time. */
function flvPlayer(url: string, seconds: number): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-rw_timeout', '10000000', '-i', url, '-t', String(seconds), '-map', '0', '-c', 'copy', '-f', 'null', '-'],
    { stdio: 'ignore' });
}

/** Starts the stack; `seconds` bounds the publisher and the players. */
export async function startLiveStack(opts: { podMonitor: K8sObject; rules: K8sObject; players: number; seconds: number }): Promise<LiveStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-prom-'));
  const players: ChildProcess[] = [];
  let prom: ChildProcess | undefined;
  let pub: Publisher | undefined;
  const servers: RunningServer[] = [];
  const stop = async () => {
    for (const p of players) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    if (prom && prom.exitCode === null) prom.kill('SIGKILL');
    await pub?.stop();
    for (const s of servers) await s.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const origin = await startServer();
    servers.push(origin);
    const edge = await startServer({ args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`] });
    servers.push(edge);
    pub = publish(origin.rtmpUrl('live', 'livestream'), opts.seconds + 30);
    // Scrape config equivalent to the PodMonitor: its path, and the target labels its relabelings produce.
    const endpoint = opts.podMonitor.spec.podMetricsEndpoints[0];
    const target = (s: RunningServer, workload: string, role: string, pod: string) => ({
      targets: [`127.0.0.1:${s.apiPort}`],
      labels: { namespace: NAMESPACE, pod, workload, role, container: 'rtmp-server', endpoint: endpoint.port },
    });
    fs.writeFileSync(path.join(dir, 'rules.yaml'), Yaml.stringify({ groups: opts.rules.spec.groups }));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), Yaml.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yaml'],
      scrape_configs: [{
        job_name: `podMonitor/${NAMESPACE}/${opts.podMonitor.metadata.name}/0`,
        metrics_path: endpoint.path,
        static_configs: [
          target(origin, 'rtmp-origin', 'origin', 'rtmp-origin-deploy-0'),
          target(edge, 'rtmp-edge', 'edge', 'rtmp-edge-deploy-0'),
        ],
      }],
    }));
    const promPort = await freePort();
    prom = spawn('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
    ], { stdio: 'ignore' });
    await waitForPort(promPort, 20000);
    // Players once the origin has the stream, so each one's pull starts at once.
    await until(async () => (await fetch(origin.apiUrl('/api/v1/streams')).then((r) => r.json()) as any).streams.some((s: any) => s.publish.active && s.video));
    for (let i = 0; i < opts.players; i++) players.push(flvPlayer(edge.httpUrl('/live/livestream.flv'), opts.seconds));
    const api = async (p: string): Promise<PromResult> => (await fetch(`http://127.0.0.1:${promPort}/api/v1/${p}`)).json() as never;
    const query = (expr: string) => api(`query?query=${encodeURIComponent(expr)}`);
    return {
      origin, edge, promPort, query, stop,
      scalar: async (expr) => {
        const r = await query(expr);
        return r.data?.result.length === 1 ? Number(r.data.result[0].value![1]) : undefined;
      },
      range: (expr, seconds, step) => {
        const end = Date.now() / 1000;
        return api(`query_range?query=${encodeURIComponent(expr)}&start=${end - seconds}&end=${end}&step=${step}`);
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
