// A rolling update of two edges behind one Service, with real processes: the Service is a per-connection
// round-robin proxy (RTMP and HTTP-FLV) whose endpoints follow each pod's /readyz, as kube-proxy's do. Each step
// starts a new edge (maxSurge 1), waits until it is ready, then sends SIGTERM to an old one (maxUnavailable 0).
// Players of the draining edge keep receiving during the drain and then get a clean close; players that
// (re)connect meanwhile land only on the other edges and play; players of untouched edges never notice.
import { publish, Publisher } from '../helpers/media';
import { EndpointsProxy, startEndpointsProxy } from '../helpers/rr-proxy';
import { RunningServer, startServer } from '../helpers/server-process';
import { Player, play, until } from './api-players';

const LIFECYCLE = 'lifecycle:\n  readinessGraceSeconds: 1\n  drainSeconds: 4\n';
const EDGE_YAML = `${LIFECYCLE}edge:\n  idleSeconds: 2\n  retrySeconds: 1\nhls:\n  enabled: false\n`;

interface Viewer { readonly player: Player; readonly pod: RunningServer; readonly kind: 'rtmp' | 'flv' }

let origin: RunningServer;
let pub: Publisher;
let rtmp: EndpointsProxy;
let flv: EndpointsProxy;
const pods: RunningServer[] = [];
const viewers: Viewer[] = [];
let endpointsTimer: NodeJS.Timeout | undefined;

const exitOf = (s: RunningServer) => new Promise<number | null>((resolve) => {
  if (s.proc.exitCode !== null) resolve(s.proc.exitCode);
  else s.proc.once('exit', (code) => resolve(code));
});
const ready = async (s: RunningServer) => s.proc.exitCode === null && (await fetch(s.apiUrl('/readyz')).catch(() => undefined))?.status === 200;

/** The endpoints controller: the Service's backends are the ready pods (polled every 200 ms). */
async function syncEndpoints(): Promise<RunningServer[]> {
  const live = [];
  for (const p of pods) if (await ready(p)) live.push(p);
  rtmp.setBackends(live.map((p) => p.rtmpPort));
  flv.setBackends(live.map((p) => p.httpPort));
  return live;
}

function startEdge(): Promise<RunningServer> {
  return startServer({ configYaml: EDGE_YAML, args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`] });
}

/** A player through the Service; returns it with the pod its connection landed on. */
async function connect(kind: 'rtmp' | 'flv'): Promise<Viewer> {
  const proxy = kind === 'rtmp' ? rtmp : flv;
  const before = proxy.log.length;
  const url = kind === 'rtmp' ? `rtmp://127.0.0.1:${rtmp.port}/live/livestream` : `http://127.0.0.1:${flv.port}/live/livestream.flv`;
  const player = play(url, 90);
  await until(() => proxy.log.length > before, 50, 100);
  const backend = proxy.log[before];
  const pod = pods.find((p) => (kind === 'rtmp' ? p.rtmpPort : p.httpPort) === backend)!;
  const viewer = { player, pod, kind };
  viewers.push(viewer);
  await until(() => player.frames() > 10, 100, 200);
  return viewer;
}

beforeAll(async () => {
  origin = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
  pub = publish(origin.rtmpUrl(), 120);
  pods.push(await startEdge(), await startEdge());
  rtmp = await startEndpointsProxy([]);
  flv = await startEndpointsProxy([]);
  await until(async () => (await syncEndpoints()).length === 2, 50, 200);
  endpointsTimer = setInterval(() => { void syncEndpoints(); }, 200);
}, 30000);

afterAll(async () => {
  if (endpointsTimer) clearInterval(endpointsTimer);
  await Promise.all(viewers.map((v) => v.player.stop()));
  await pub?.stop();
  await rtmp?.close();
  await flv?.close();
  await Promise.all([origin, ...pods].map((s) => s?.stop('SIGKILL')));
});

test('rolling update of 2 edges: players keep playing while pods drain, then move to the new pods', async () => {
  // One RTMP player per pod (round robin), one FLV player.
  const first = [await connect('rtmp'), await connect('rtmp'), await connect('flv')];
  expect(new Set(first.slice(0, 2).map((v) => v.pod)).size).toBe(2);

  for (const step of [0, 1]) {
    const old = pods[step];
    // maxSurge 1: the new pod first, in the rotation once ready.
    const fresh = await startEdge();
    pods.push(fresh);
    await until(async () => (await syncEndpoints()).includes(fresh), 50, 200);
    // maxUnavailable 0: only then the old pod is told to stop (the kubelet's SIGTERM after preStop).
    const onOld = viewers.filter((v) => v.pod === old && v.player.proc.exitCode === null);
    const elsewhere = viewers.filter((v) => v.pod !== old && v.player.proc.exitCode === null);
    const exited = exitOf(old);
    old.proc.kill('SIGTERM');
    await until(async () => !(await ready(old)), 40, 50);
    await until(async () => !(await syncEndpoints()).includes(old), 20, 100);
    await until(() => old.output().includes('"event":"drain-start"'), 50, 100);
    const atDrain = onOld.map((v) => v.player.frames());

    // New connections during the drain: never the draining pod, and they play.
    const before = { rtmp: rtmp.log.length, flv: flv.log.length };
    const joined = [await connect('rtmp'), await connect('flv')];
    expect(rtmp.log.slice(before.rtmp)).not.toContain(old.rtmpPort);
    expect(flv.log.slice(before.flv)).not.toContain(old.httpPort);
    for (const v of joined) expect(v.pod).not.toBe(old);

    // The drain ends: the pod exits 0 and its players get a clean close (they end, not left hanging) ...
    expect(await exited).toBe(0);
    for (const v of onOld) expect(await v.player.exited).not.toBeNull();
    // ... after receiving more than a second of video during the drain.
    expect(onOld.length).toBeGreaterThan(0);
    onOld.forEach((v, i) => expect(v.player.frames()).toBeGreaterThan(atDrain[i] + 25));
    // Players on the other pods never noticed.
    const atEnd = elsewhere.map((v) => v.player.frames());
    await until(() => elsewhere.every((v, i) => v.player.proc.exitCode === null && v.player.frames() > atEnd[i] + 10), 50, 200);
    // The closed players reconnect through the Service and play from the remaining pods.
    for (const v of onOld) {
      const again = await connect(v.kind);
      expect(again.pod).not.toBe(old);
    }
  }
  // After the rollout only the two new pods serve, and every player still running is on one of them.
  const live = await syncEndpoints();
  expect(live).toEqual(pods.slice(2));
  const running = viewers.filter((v) => v.player.proc.exitCode === null);
  expect(running.length).toBeGreaterThanOrEqual(3);
  for (const v of running) expect(pods.slice(2)).toContain(v.pod);
}, 120000);
