/**
 * 5,000 connections to an edge's HTTP port that never finish a request (half idle, half with a request cut off
 * mid-header) cost the edge bounded memory, while a control player keeps playing HLS through the same edge.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { parsePlaylist } from '../helpers/hls';
import { countFrames, publish, Publisher } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { waitUntil } from './cluster-support';

const CONNECTIONS = 5000;
let origin: RunningServer;
let edge: RunningServer;
let pub: Publisher;
const sockets: net.Socket[] = [];

/** Resident memory of a process we started, from /proc (kB → MB). */
const rssMb = (s: RunningServer) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${s.proc.pid}/status`, 'utf8'))![1]) / 1024;

beforeAll(async () => {
  origin = await startServer({ configYaml: 'hls:\n  fragmentSeconds: 1\n  windowSeconds: 6\n' });
  edge = await startServer({ args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`, '--origin-http', `127.0.0.1:${origin.httpPort}`] });
  pub = publish(origin.rtmpUrl('live', 'livestream'), 60);
  await waitUntil('three segments at the origin', async () => {
    const r = await fetch(origin.httpUrl('/live/livestream.m3u8'));
    return r.status === 200 && parsePlaylist(await r.text()).segments.length >= 3;
  }, 30000);
}, 60000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await pub?.stop();
  for (const s of [edge, origin]) await s?.stop('SIGKILL');
});

test(`${CONNECTIONS} idle and half-sent connections: bounded edge memory, the control player keeps playing`, async () => {
  // Warm the edge (cache, code paths) so the baseline is a serving edge, not a fresh process.
  expect(await countFrames(edge.httpUrl('/live/livestream.m3u8'), 2)).toBeGreaterThan(20);
  const before = rssMb(edge);
  const control = countFrames(edge.httpUrl('/live/livestream.m3u8'), 10, 30);
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = net.connect(edge.httpPort, '127.0.0.1');
    s.on('error', () => undefined);
    if (i % 2 === 1) s.on('connect', () => s.write('GET /live/livestream.m3u8 HTTP/1.1\r\nHost: edge\r\nX-Half: '));
    sockets.push(s);
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 50));
  }
  await waitUntil('the connections are open', () => sockets.filter((s) => s.readyState === 'open').length >= CONNECTIONS * 0.95, 20000);
  await new Promise((r) => setTimeout(r, 2000));
  const peak = rssMb(edge);
  const frames = await control;
  // A Node socket with its HTTP parser is a few kB; 5,000 of them stay well under 100 MB.
  expect({ growthMb: Math.round(peak - before) < 100, frames: frames > 200 }).toEqual({ growthMb: true, frames: true });
  expect((await fetch(edge.apiUrl('/healthz'))).ok).toBe(true);
});
