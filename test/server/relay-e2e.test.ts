/**
 * Relay mode end to end on loopback: one ffmpeg publisher → relay → every server behind one name (the
 * resolve-file seam stands in for the headless Service's DNS; the relay re-resolves it every 0.5 s).
 * Players on each server get media; a server added behind the name starts receiving without touching the
 * publisher; a killed server does not disturb the publisher or the others; restarted at the same address,
 * it gets its push back by itself.
 */
import * as net from 'node:net';
import { countFrames } from '../helpers/media';
import { events } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, isPublishing, LoopPublisher, publishLoop, ResolveFile, waitUntil } from './cluster-support';

const STREAM = 'relayed';
const names = new ResolveFile();
let relay: RunningServer;
const servers: RunningServer[] = [];
let pub: LoopPublisher;

const rtmpAddr = (s: RunningServer) => `127.0.0.1:${s.rtmpPort}`;
const publishTo = (s: RunningServer[]) => names.set('rtmp-server-headless', s.map(rtmpAddr));

async function expectPlays(s: RunningServer, label: string): Promise<void> {
  await waitUntil(`${label} has the stream`, () => isPublishing(s, STREAM), 20000);
  expect(await countFrames(s.rtmpUrl('live', STREAM), 2)).toBeGreaterThan(0);
}

async function relayPushes(): Promise<{ type: string; ip: string }[]> {
  const body = await getJson(relay.apiUrl('/api/v1/clients?count=100'));
  return (body.clients as { type: string; ip: string }[]).filter((c) => c.type === 'relay-push');
}

beforeAll(async () => {
  servers.push(await startServer(), await startServer());
  publishTo(servers);
  relay = await startServer({
    args: ['--mode', 'relay', '--relay-targets', 'rtmp-server-headless:1935'],
    configYaml: 'relay:\n  resolveSeconds: 0.5\n',
    env: names.env(),
  });
  pub = await publishLoop(relay.rtmpUrl('live', STREAM), 60);
});

afterAll(async () => {
  await pub?.stop();
  for (const s of [relay, ...servers]) await s?.stop('SIGKILL');
});

test('players on both servers receive the relayed stream; the pushes show as relay-push clients', async () => {
  await expectPlays(servers[0], 'server 1');
  await expectPlays(servers[1], 'server 2');
  expect(await countFrames(relay.rtmpUrl('live', STREAM), 2)).toBeGreaterThan(0); // the relay plays too
  expect((await relayPushes()).length).toBe(2);
});

test('a third server behind the name starts receiving without touching the publisher', async () => {
  servers.push(await startServer());
  publishTo(servers);
  await expectPlays(servers[2], 'server 3');
  expect(pub.running()).toBe(true);
  await waitUntil('three pushes', async () => (await relayPushes()).length === 3, 10000);
});

test('a killed server does not disturb the publisher or the other servers; restarted, its push comes back', async () => {
  const victim = servers[1];
  const ports = { rtmp: victim.rtmpPort, http: victim.httpPort, api: victim.apiPort };
  await victim.stop('SIGKILL');
  await waitUntil('the relay notices', async () => (await relayPushes()).length === 2, 10000);
  expect(pub.running()).toBe(true);
  expect(await countFrames(servers[0].rtmpUrl('live', STREAM), 2)).toBeGreaterThan(0);
  expect(await countFrames(servers[2].rtmpUrl('live', STREAM), 2)).toBeGreaterThan(0);

  servers[1] = await startServer({ ports }); // same address, the name's answer unchanged
  await expectPlays(servers[1], 'restarted server 2');
  expect(pub.running()).toBe(true);
  expect(await isPublishing(relay, STREAM)).toBe(true);
});

test('a target that accepts TCP and never answers costs only its own push (retried, the others flow)', async () => {
  const hole = net.createServer(() => { /* accept and stay silent */ });
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
  const holeAddr = `127.0.0.1:${(hole.address() as net.AddressInfo).port}`;
  try {
    names.set('rtmp-server-headless', [...servers.map(rtmpAddr), holeAddr]);
    await waitUntil('two failed attempts at the silent target', () =>
      events(relay, 'relay-push-failed', { target: holeAddr }).length >= 2, 25000);
    expect(pub.running()).toBe(true);
    expect(await countFrames(servers[0].rtmpUrl('live', STREAM), 2)).toBeGreaterThan(0);
    expect((await relayPushes()).length).toBe(3);
  } finally {
    publishTo(servers);
    hole.close();
  }
});
