/**
 * In an origin cluster the HLS edge cache fetches from whatever the holder's HTTP address replies. A reply
 * whose status a response cannot carry (0xx from a broken or foreign upstream) must become a 502 for that
 * player, not an exception thrown out of a response handler (which ends the server process).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import pino from 'pino';
import type { StreamHolder, StreamLocator } from '../../images/rtmp-server/src/cluster/stream-locator';
import { HlsEdgeCache } from '../../images/rtmp-server/src/hls/edge-cache';
import { createHlsEdgeHandler } from '../../images/rtmp-server/src/hls/edge-serve';
import { createHlsFetcher, locatorOrigins } from '../../images/rtmp-server/src/hls/edge-upstream';
import { newCacheCounters } from '../../images/rtmp-server/src/hls/http-stats';

/** The handler an origin-cluster server uses for HLS it has no file for: the edge cache over the locator. */
function createHlsProxy(locator: StreamLocator, log: pino.Logger) {
  const stats = newCacheCounters();
  const fetcher = createHlsFetcher(locatorOrigins(locator), () => ({ maxBytes: 1 << 20 }), stats, log);
  return createHlsEdgeHandler(new HlsEdgeCache(() => 8 << 20, fetcher, stats), null, log);
}

const listen = (s: net.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));

test('an upstream status of 099: the player gets 502, the holder is forgotten, nothing is thrown', async () => {
  const upstream = net.createServer((c) => c.once('data', () => c.end('HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n')));
  const upPort = await listen(upstream);
  const forgotten: string[] = [];
  const holder: StreamHolder = { rtmp: `127.0.0.1:1`, http: `127.0.0.1:${upPort}`, api: '127.0.0.1:1' };
  const locator = {
    locate: async () => holder,
    forget: (app: string, stream: string) => { forgotten.push(`${app}/${stream}`); },
  } as unknown as StreamLocator;
  const proxy = createHlsProxy(locator, pino({ level: 'silent' }));
  const uncaught: Error[] = [];
  const onUncaught = (e: Error) => { uncaught.push(e); };
  process.on('uncaughtException', onUncaught);
  const server = http.createServer((req, res) => {
    if (!proxy(req, res, '*')) res.writeHead(404).end();
  });
  const port = await listen(server);
  try {
    const r = await fetch(`http://127.0.0.1:${port}/live/cam.m3u8`, { signal: AbortSignal.timeout(10_000) });
    expect(r.status).toBe(502);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(forgotten).toContain('live/cam');
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
    server.close();
    upstream.close();
  }
});

test('a player that leaves during the holder lookup: no upstream request is made for it', async () => {
  let upstreamRequests = 0;
  const upstream = http.createServer((_req, res) => { upstreamRequests++; res.end('#EXTM3U\n'); });
  const upPort = await listen(upstream);
  let lookupStarted!: () => void;
  const lookedUp = new Promise<void>((resolve) => { lookupStarted = resolve; });
  let answer!: (h: StreamHolder) => void;
  const locator = {
    locate: () => { lookupStarted(); return new Promise<StreamHolder>((resolve) => { answer = resolve; }); },
    forget: () => undefined,
  } as unknown as StreamLocator;
  const proxy = createHlsProxy(locator, pino({ level: 'silent' }));
  let playerGone!: () => void;
  const closed = new Promise<void>((resolve) => { playerGone = resolve; });
  const server = http.createServer((req, res) => {
    res.on('close', () => playerGone());
    if (!proxy(req, res, '*')) res.writeHead(404).end();
  });
  const port = await listen(server);
  try {
    // A raw client that asks, then hangs up while the lookup is still pending.
    const c = net.connect(port, '127.0.0.1', () => c.write('GET /live/cam.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n'));
    await lookedUp;
    c.destroy();
    await closed;
    answer({ rtmp: '127.0.0.1:1', http: `127.0.0.1:${upPort}`, api: '127.0.0.1:1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(upstreamRequests).toBe(0);
  } finally {
    server.close();
    upstream.close();
  }
});
