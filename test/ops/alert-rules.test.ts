// The PrometheusRule the `monitoring` prop synthesizes, checked by the real promtool (Debian's prometheus
// package): `promtool check rules`, then `promtool test rules` on synthetic series — each alert fires when its
// condition holds, stays silent when it does not, and only for the construct's own pods.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Yaml } from 'cdk8s';
import { NAMESPACE, only, synthEdgeCluster } from './support';

const execFileP = promisify(execFile);
const { objects } = synthEdgeCluster({ monitoring: {} });
const rule = only(objects, 'PrometheusRule');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-rules-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await execFileP('promtool', args, { cwd: dir, timeout: 60000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** Series of an edge pod of this construct, of a pod of another workload, in the namespace. */
const edge = (metric: string) => `${metric}{namespace="${NAMESPACE}",workload="rtmp-edge",pod="edge-1"}`;
const origin = (metric: string) => `${metric}{namespace="${NAMESPACE}",workload="rtmp-origin",pod="origin-1"}`;
const foreign = (metric: string) => `${metric}{namespace="${NAMESPACE}",workload="someone-else",pod="x-1"}`;
const fired = (severity: string, pod: string, description: string) => ({
  exp_labels: { severity, namespace: NAMESPACE, pod },
  exp_annotations: { summary: summaryOf[description.split(':')[0]], description: description.slice(description.indexOf(':') + 1) },
});
const summaryOf: Record<string, string> = {};
for (const r of rule.spec.groups[0].rules) summaryOf[r.alert] = r.annotations.summary;

/** One promtool test case: series, then [alert, eval time, expected alerts]. */
const cases = [
  {
    name: 'stalled stream: fires once the longest stall reaches 30 s, on that pod only',
    series: [
      [edge('rtmp_server_publish_stall_seconds_max'), '0 10 25 40'],
      [origin('rtmp_server_publish_stall_seconds_max'), '0 0 0 0'],
      [foreign('rtmp_server_publish_stall_seconds_max'), '100 100 100 100'],
    ],
    evals: [
      ['RtmpStreamStalled', '30s', []],
      ['RtmpStreamStalled', '45s', [fired('warning', 'edge-1', 'RtmpStreamStalled:A stream on edge-1 has had a publisher but no frames for 40 s (threshold 30 s): the encoder or its network stalled.')]],
    ],
  },
  {
    name: 'origin unreachable: failures every 15 s for minutes fire; none do not',
    series: [
      [edge('rtmp_server_upstream_pull_failures_total'), '0+1x40'],
      [origin('rtmp_server_upstream_pull_failures_total'), '0x40'],
      [foreign('rtmp_server_upstream_pull_failures_total'), '0+10x40'],
    ],
    evals: [
      ['RtmpOriginUnreachable', '1m', []],
      ['RtmpOriginUnreachable', '5m', [fired('critical', 'edge-1', 'RtmpOriginUnreachable:edge-1 failed 20 upstream pulls in 5 minutes: the origin is unreachable from this edge (Service, NetworkPolicy, origin pods).')]],
    ],
  },
  {
    name: 'slow players: 4 closes a minute for 10 minutes fire; one every 5 minutes does not',
    series: [
      [edge('rtmp_server_slow_players_closed_total'), '0+1x80'],
      [origin('rtmp_server_slow_players_closed_total'), '0+0.05x80'],
    ],
    evals: [
      ['RtmpSlowPlayers', '5m', []],
      ['RtmpSlowPlayers', '20m', [fired('warning', 'edge-1', 'RtmpSlowPlayers:edge-1 closes 4 slow players a minute: players lack bandwidth or the pod its egress.')]],
    ],
  },
  {
    name: 'dropped frames: 40/s for 10 minutes fire; 10/s does not',
    series: [
      [edge('rtmp_server_dropped_frames_total'), '0+600x80'],
      [origin('rtmp_server_dropped_frames_total'), '0+150x80'],
    ],
    evals: [
      ['RtmpDroppedFrames', '5m', []],
      ['RtmpDroppedFrames', '20m', [fired('warning', 'edge-1', 'RtmpDroppedFrames:edge-1 drops 40 frames a second for players that fall behind.')]],
    ],
  },
  {
    name: 'pod not ready: 5 minutes not ready fire; a 30 s drain does not',
    series: [
      [edge('rtmp_server_ready'), '0x40'],
      [origin('rtmp_server_ready'), '1 1 0 0 1x36'],
    ],
    evals: [
      ['RtmpPodNotReady', '4m', []],
      ['RtmpPodNotReady', '6m', [fired('warning', 'edge-1', 'RtmpPodNotReady:edge-1 has said not ready for 5 minutes; a drain takes less, so it is stuck.')]],
    ],
  },
  {
    name: 'server down: 5 minutes without a scrape fire',
    series: [
      [edge('up'), '0x40'],
      [origin('up'), '1x40'],
    ],
    evals: [
      ['RtmpServerDown', '4m', []],
      ['RtmpServerDown', '6m', [fired('critical', 'edge-1', 'RtmpServerDown:edge-1 has not answered /metrics for 5 minutes.')]],
    ],
  },
  {
    name: 'HLS write errors: any failed write in 5 minutes fires; none does not',
    series: [
      [origin('rtmp_server_hls_write_errors_total'), '0x20 1 2x20'],
      [edge('rtmp_server_hls_write_errors_total'), '0x40'],
    ],
    evals: [
      ['RtmpHlsWriteErrors', '4m', []],
      ['RtmpHlsWriteErrors', '10m', [fired('warning', 'origin-1', 'RtmpHlsWriteErrors:origin-1 failed 2 HLS writes in 5 minutes: the HLS volume is full or unwritable; players get stale playlists.')]],
    ],
  },
  {
    name: 'config reload rejected: a rejection fires for 10 minutes, then clears',
    series: [
      [edge('rtmp_server_config_reloads_rejected_total'), '0x20 1x80'],
      [origin('rtmp_server_config_reloads_rejected_total'), '0x100'],
    ],
    evals: [
      ['RtmpConfigReloadRejected', '4m', []],
      ['RtmpConfigReloadRejected', '15m', [fired('warning', 'edge-1', 'RtmpConfigReloadRejected:edge-1 refused a new ConfigMap in the last 10 minutes and keeps running the old config; its log says which field (event config-reload-rejected).')]],
      ['RtmpConfigReloadRejected', '25m', []],
    ],
  },
] as const;

describe('alert rules with the real promtool', () => {
  beforeAll(() => {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), Yaml.stringify({ groups: rule.spec.groups }));
  });

  test('the PrometheusRule scopes every rule to its namespace and workloads', () => {
    const rules = rule.spec.groups.flatMap((g: any) => g.rules);
    expect(rules.map((r: any) => r.alert).sort()).toEqual([
      'RtmpConfigReloadRejected', 'RtmpDroppedFrames', 'RtmpHlsWriteErrors', 'RtmpOriginUnreachable',
      'RtmpPodNotReady', 'RtmpServerDown', 'RtmpSlowPlayers', 'RtmpStreamStalled',
    ]);
    for (const r of rules) expect(r.expr).toContain(`namespace="${NAMESPACE}",workload=~"rtmp-origin|rtmp-edge"`);
  });

  test('promtool check rules accepts them', async () => {
    const r = await promtool('check', 'rules', 'rules.yaml');
    expect(r.out).toMatch(/SUCCESS: 8 rules found/);
    expect(r.code).toBe(0);
  });

  test('promtool check rules rejects a broken expression (the check can fail)', async () => {
    const broken = JSON.parse(JSON.stringify(rule.spec.groups));
    broken[0].rules[0].expr = 'max by (pod (rtmp_server_ready)';
    fs.writeFileSync(path.join(dir, 'broken.yaml'), Yaml.stringify({ groups: broken }));
    const r = await promtool('check', 'rules', 'broken.yaml');
    expect(r.code).not.toBe(0);
  });

  test.each(cases.map((c) => [c.name, c] as const))('promtool test rules: %s', async (_name, c) => {
    const file = `test-${cases.indexOf(c)}.yaml`;
    fs.writeFileSync(path.join(dir, file), Yaml.stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '15s',
      tests: [{
        interval: '15s',
        input_series: c.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: c.evals.map(([alertname, evalTime, expAlerts]) => ({ eval_time: evalTime, alertname, exp_alerts: expAlerts })),
      }],
    }));
    const r = await promtool('test', 'rules', file);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });

  test('promtool test rules fails when an alert is expected that the series do not cause (the test can fail)', async () => {
    fs.writeFileSync(path.join(dir, 'wrong.yaml'), Yaml.stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '15s',
      tests: [{
        interval: '15s',
        input_series: [{ series: edge('rtmp_server_publish_stall_seconds_max'), values: '0 0 0 0' }],
        alert_rule_test: [{ eval_time: '45s', alertname: 'RtmpStreamStalled', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: NAMESPACE, pod: 'edge-1' } }] }],
      }],
    }));
    const r = await promtool('test', 'rules', 'wrong.yaml');
    expect(r.code).not.toBe(0);
  });
});
