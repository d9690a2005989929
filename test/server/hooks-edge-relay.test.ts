/**
 * Hooks on every path (real processes, real backend):
 * - edge: players are admitted by the edge's on_play; a publish to the edge is decided by the origin's on_publish
 *   (the query passed through, as SRS token_traverse), never by the edge; the edge's upstream pull carries the
 *   first player's query, so the origin's on_play admits it too; both links carry it on connect as well;
 * - relay: the relay's on_publish admits publishes before anything is pushed to its servers.
 */
import { countFrames } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { isPublishing, LoopPublisher, publishLoop, waitUntil } from './cluster-support';
import { HookBackend, hooksYaml } from './hooks-backend';

let backend: HookBackend;
const servers: RunningServer[] = [];
const pubs: LoopPublisher[] = [];
const NO_HLS = 'hls:\n  enabled: false\n';

async function start(yaml: string, args: string[] = []): Promise<RunningServer> {
  const s = await startServer({ configYaml: yaml, args });
  servers.push(s);
  return s;
}

async function publishing(url: string, seconds = 40): Promise<LoopPublisher> {
  const p = await publishLoop(url, seconds);
  pubs.push(p);
  return p;
}

beforeAll(async () => {
  backend = await new HookBackend().start();
});

afterAll(async () => {
  for (const p of pubs) await p.stop();
  for (const s of servers) await s.stop('SIGKILL');
  await backend?.stop();
});

describe('through an edge', () => {
  let origin: RunningServer;
  let edge: RunningServer;
  beforeAll(async () => {
    origin = await start(hooksYaml(backend, { onConnect: '/o/connect', onPublish: '/o/key', onPlay: '/o/key0' }) + NO_HLS);
    edge = await start(hooksYaml(backend, { onPublish: '/e/key', onPlay: '/e/key0', onStop: '/e/stop' }) + NO_HLS,
      ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`]);
  });

  test('a publish to the edge is admitted by the origin with the publisher query; a bad key is refused there', async () => {
    await publishing(edge.rtmpUrl('live', 'e1?key=good'));
    await waitUntil('e1 on the origin', () => isPublishing(origin, 'e1'), 20000);
    expect(backend.callsTo('/o/key', { stream: 'e1' }).map((c) => c.body.param)).toEqual(['?key=good']);
    expect(backend.callsTo('/e/key')).toEqual([]); // the edge never decides a publish
    // The edge's link also carries the query on connect, so the origin's on_connect sees the token.
    const [conn] = backend.callsTo('/o/connect', { client_id: backend.callsTo('/o/key', { stream: 'e1' })[0].body.client_id });
    expect(conn.body).toMatchObject({ app: 'live', param: '?key=good' });
    expect(conn.body.tcUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\?key=good$/);

    const bad = await publishing(edge.rtmpUrl('live', 'e2?key=bad'), 10);
    await waitUntil('refused publisher gives up', () => !bad.running(), 15000);
    expect(backend.callsTo('/o/key', { stream: 'e2' }).map((c) => c.body.param)).toEqual(['?key=bad']);
    expect(await isPublishing(origin, 'e2')).toBe(false);
    expect(await isPublishing(edge, 'e2')).toBe(false);
  });

  test("players are admitted by the edge's on_play; its pull carries the player's query to the origin's on_play", async () => {
    await publishing(origin.rtmpUrl('live', 'o1?key=good'));
    await waitUntil('o1 on the origin', () => isPublishing(origin, 'o1'), 20000);
    expect(await countFrames(edge.rtmpUrl('live', 'o1?key=good&viewer=1'), 1)).toBeGreaterThan(5);
    const [edgePlay] = backend.callsTo('/e/key0', { stream: 'o1' });
    expect(edgePlay.body).toMatchObject({ action: 'on_play', param: '?key=good&viewer=1', app: 'live' });
    // The origin saw the edge's pull as a player, with the first player's query.
    const originPlays = backend.callsTo('/o/key0', { stream: 'o1' });
    expect(originPlays.map((c) => c.body.param)).toEqual(['?key=good&viewer=1']);
    expect(backend.callsTo('/o/connect', { client_id: originPlays[0].body.client_id })[0].body.param).toBe('?key=good&viewer=1');
    await waitUntil('on_stop at the edge', () => backend.callsTo('/e/stop', { stream: 'o1' }).length === 1, 10000);

    await expect(countFrames(edge.rtmpUrl('live', 'o1?key=bad'), 1, 5)).rejects.toThrow();
    expect((await fetch(edge.httpUrl('/live/o1.flv?key=bad'))).status).toBe(403);
    expect(backend.callsTo('/e/key0', { stream: 'o1' }).filter((c) => c.body.param === '?key=bad')).toHaveLength(2);
  });
});

describe('through the relay', () => {
  let relay: RunningServer;
  let server: RunningServer;
  beforeAll(async () => {
    server = await start(NO_HLS);
    relay = await start(hooksYaml(backend, { onPublish: '/r/key', onUnpublish: '/r/unpublish' }) + NO_HLS,
      ['--mode', 'relay', '--relay-targets', `127.0.0.1:${server.rtmpPort}`]);
  });

  test('the relay admits a good key and pushes it on; a bad key never reaches the servers', async () => {
    const good = await publishing(relay.rtmpUrl('live', 'r1?key=good'));
    await waitUntil('r1 pushed to the server', () => isPublishing(server, 'r1'), 20000);
    expect(await countFrames(server.rtmpUrl('live', 'r1'), 1)).toBeGreaterThan(5);
    expect(backend.callsTo('/r/key', { stream: 'r1' }).map((c) => c.body.param)).toEqual(['?key=good']);

    const bad = await publishing(relay.rtmpUrl('live', 'r2?key=bad'), 10);
    await waitUntil('refused publisher gives up', () => !bad.running(), 15000);
    expect(await isPublishing(relay, 'r2')).toBe(false);
    expect(await isPublishing(server, 'r2')).toBe(false);

    await good.stop();
    await waitUntil('on_unpublish from the relay', () => backend.callsTo('/r/unpublish', { stream: 'r1' }).length === 1, 10000);
  });
});
