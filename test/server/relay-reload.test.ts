/**
 * Relay targets from a mounted ConfigMap: a changed `relay.targets` (kubelet-style ..data swap) is applied
 * without a restart: the new server gets a push of the live stream, the dropped one loses it, and the
 * publisher stays connected.
 */
import { RunningServer, startServer } from '../helpers/server-process';
import { ConfigMapDir } from './config-configmap';
import { isPublishing, LoopPublisher, publishLoop, waitUntil } from './cluster-support';

let relay: RunningServer;
const servers: RunningServer[] = [];
let pub: LoopPublisher;
let configMap: ConfigMapDir;

const yaml = (targets: RunningServer[]) =>
  `mode: relay\nrelay:\n  resolveSeconds: 0.5\n  targets: [${targets.map((s) => `"127.0.0.1:${s.rtmpPort}"`).join(', ')}]\n`;

beforeAll(async () => {
  servers.push(await startServer(), await startServer());
  configMap = new ConfigMapDir(yaml([servers[0]]));
  relay = await startServer({ args: ['--config', configMap.file] });
  pub = await publishLoop(relay.rtmpUrl('live', 'cfg'), 30);
});

afterAll(async () => {
  await pub?.stop();
  for (const s of [relay, ...servers]) await s?.stop('SIGKILL');
});

test('a reloaded relay.targets moves the pushes without touching the publisher', async () => {
  await waitUntil('server 1 gets the stream', () => isPublishing(servers[0], 'cfg'));
  expect(await isPublishing(servers[1], 'cfg')).toBe(false);
  configMap.update(yaml([servers[1]]));
  await waitUntil('server 2 gets the stream', () => isPublishing(servers[1], 'cfg'));
  await waitUntil('server 1 loses it', async () => !(await isPublishing(servers[0], 'cfg')));
  expect(pub.running()).toBe(true);
});
