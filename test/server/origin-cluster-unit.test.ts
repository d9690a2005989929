/**
 * Origin-cluster pieces without processes: placement (rendezvous hashing), the clusters reply, HLS path parsing,
 * and the locator against real HTTP "origins" on loopback answering /api/v1/clusters.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { CLUSTER_NOT_FOUND, clustersReply } from '../../images/rtmp-server/src/cluster/clusters-api';
import { originOrder } from '../../images/rtmp-server/src/cluster/placement';
import { StreamLocator } from '../../images/rtmp-server/src/cluster/stream-locator';
import { AddressSet } from '../../images/rtmp-server/src/discovery/address-set';
import type { HubView, StreamSnapshot } from '../../images/rtmp-server/src/hub/types';
import { hlsTarget } from '../../images/rtmp-server/src/hls/proxy';

const log = pino({ level: 'silent' });
const ORIGINS = ['10.0.0.1:1935', '10.0.0.2:1935', '10.0.0.3:1935'];

test('placement: the same order whatever the input order, spread over every origin, minimal moves', () => {
  const names = Array.from({ length: 60 }, (_, i) => `stream${i}`);
  const first = new Map(names.map((n) => [n, originOrder('live', n, ORIGINS)[0]]));
  for (const n of names) {
    expect(originOrder('live', n, [...ORIGINS].reverse())).toEqual(originOrder('live', n, ORIGINS));
    expect(originOrder('live', n, ORIGINS).sort()).toEqual([...ORIGINS].sort());
  }
  const counts = new Map<string, number>();
  for (const o of first.values()) counts.set(o, (counts.get(o) ?? 0) + 1);
  expect(counts.size).toBe(3);
  for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(8);
  // A fourth origin takes streams only for itself; no stream moves between the old three.
  const four = [...ORIGINS, '10.0.0.4:1935'];
  for (const n of names) {
    const now = originOrder('live', n, four)[0];
    expect(now === first.get(n) || now === '10.0.0.4:1935').toBe(true);
  }
});

const stream = (app: string, name: string, publishing: boolean) => ({ app, name, publishing } as StreamSnapshot);
const hubWith = (list: StreamSnapshot[]): HubView => ({ streams: () => list, clients: () => [], totals: () => ({} as never), kick: () => false });
const self = { rtmpPort: 1935, httpPort: 8080, apiPort: 1985 };

test('clusters reply: code 0 with the origin only for a stream publishing here', () => {
  const hub = hubWith([stream('live', 'on', true), stream('live', 'waiting', false)]);
  const q = (s: string) => new URLSearchParams({ vhost: '', ip: '', app: 'live', stream: s, coworker: 'o-1:1985' });
  const yes = clustersReply(hub, q('on'), self) as any;
  expect(yes.code).toBe(0);
  expect(yes.data.query).toMatchObject({ app: 'live', stream: 'on', vhost: '__defaultVhost__' });
  expect(yes.data.origin).toMatchObject({ port: 1935, http_port: 8080, api: 'o-1:1985', routers: ['o-1:1985'] });
  expect(typeof yes.data.origin.ip).toBe('string');
  expect((clustersReply(hub, q('waiting'), self) as any).code).toBe(CLUSTER_NOT_FOUND);
  expect((clustersReply(hub, q('absent'), self) as any).code).toBe(CLUSTER_NOT_FOUND);
});

test('HLS paths the proxy takes, and the ones it leaves alone', () => {
  expect(hlsTarget('/live/cam1.m3u8')).toEqual({ app: 'live', stream: 'cam1' });
  expect(hlsTarget('/live/cam-1-1732500000123.ts')).toEqual({ app: 'live', stream: 'cam-1' });
  expect(hlsTarget('/live/cam1.flv')).toBeNull();
  expect(hlsTarget('/live/../etc/passwd.m3u8')).toBeNull();
  expect(hlsTarget('/live/%2e%2e.m3u8')).toBeNull();
  expect(hlsTarget('/a/b/c.m3u8')).toBeNull();
  expect(hlsTarget('/live/x.ts')).toBeNull();
});

test('locator: asks every peer, the holder answers, cached, and null when nobody holds it', async () => {
  let asked = 0;
  const servers: http.Server[] = [];
  const peers: string[] = [];
  for (const holds of [false, true, false]) {
    const srv = http.createServer((req, res) => {
      asked++;
      const q = new URL(req.url!, 'http://x').searchParams;
      const hub = hubWith(holds ? [stream('live', 'cam', true)] : []);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(clustersReply(hub, q, { rtmpPort: 19350, httpPort: 18080, apiPort: 0 })));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    servers.push(srv);
    peers.push(`127.0.0.1:${(srv.address() as AddressInfo).port}`);
  }
  peers.push('127.0.0.1:1'); // a dead peer only costs its own failed query
  const set = new AddressSet({ entries: ['origins:1985'], intervalSeconds: 3600, log, label: 'test', resolve: async () => peers });
  await set.start();
  try {
    const locator = new StreamLocator(set, log, { cacheMs: 60_000 });
    const holder = await locator.locate('live', 'cam');
    expect(holder).toEqual({ rtmp: '127.0.0.1:19350', http: '127.0.0.1:18080', api: peers[1] });
    const n = asked;
    expect(await locator.locate('live', 'cam')).toEqual(holder);
    expect(asked).toBe(n); // from the cache
    expect(await locator.locate('live', 'nobody')).toBeNull();
  } finally {
    set.stop();
    for (const s of servers) s.close();
  }
});
