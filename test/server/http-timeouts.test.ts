// Half-sent HTTP requests are dropped after http.headersTimeoutSeconds, on a new connection and on a kept-alive
// one, on the media and the API listeners; idle kept-alive connections after http.keepAliveTimeoutSeconds. They
// used to be held for Node's defaults (60 s of headers, checked every 30 s). A response is not bounded: an
// HTTP-FLV play outlives http.requestTimeoutSeconds.
import * as net from 'node:net';
import { publish, Publisher } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { until } from './api-players';
import { checkServerConfig, resolveServerConfig } from '../../lib/server-config';

const BOUNDS = 'http:\n  headersTimeoutSeconds: 2\n  requestTimeoutSeconds: 3\n  keepAliveTimeoutSeconds: 2\nhls:\n  enabled: false\n';

/** Connects, writes `first` (and after the first response `second`, if given); resolves with ms from the last write to the close. */
function heldFor(port: number, first: string, second?: string, limitMs = 15_000): Promise<{ ms: number; got: string }> {
  return new Promise((resolve, reject) => {
    let got = '';
    let lastWrite = Date.now();
    const s = net.connect(port, '127.0.0.1', () => { s.write(first); lastWrite = Date.now(); });
    const limit = setTimeout(() => { s.destroy(); resolve({ ms: Infinity, got }); }, limitMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (second !== undefined && /\r\n\r\n/.test(got) && !got.includes('\u0000sent')) {
        got += '\u0000sent';
        s.write(second);
        lastWrite = Date.now();
      }
    });
    s.on('close', () => { clearTimeout(limit); resolve({ ms: Date.now() - lastWrite, got: got.replace('\u0000sent', '') }); });
    s.on('error', () => {});
    s.on('timeout', reject);
  });
}

let server: RunningServer;
let pub: Publisher;
beforeAll(async () => {
  server = await startServer({ configYaml: BOUNDS });
  pub = publish(server.rtmpUrl('live', 'long'), 60);
});
afterAll(async () => { await pub?.stop(); await server?.stop(); });

const HALF = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'; // headers never finished
const FULL = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

test('media port: half-sent headers are dropped after ~2 s', async () => {
  const r = await heldFor(server.httpPort, HALF);
  expect(r.ms).toBeLessThan(6000);
});

test('media port, kept-alive connection: a second request left half-sent is dropped too', async () => {
  const r = await heldFor(server.httpPort, FULL, HALF);
  expect(r.got).toMatch(/^HTTP\/1\.1 200 OK/);
  expect(r.ms).toBeLessThan(6000);
});

test('media port: an idle kept-alive connection is closed after ~2 s', async () => {
  const r = await heldFor(server.httpPort, FULL);
  expect(r.got).toMatch(/^HTTP\/1\.1 200 OK/);
  expect(r.ms).toBeLessThan(4500);
});

test('API port: half-sent headers are dropped after ~2 s', async () => {
  const r = await heldFor(server.apiPort, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  expect(r.ms).toBeLessThan(6000);
});

test('an HTTP-FLV play is not cut by the request bound: it keeps receiving past 3 s', async () => {
  await until(async () => (await fetch(server.apiUrl('/api/v1/streams')).then((x) => x.json())).streams.some((s: any) => s.frames > 25), 100);
  const ac = new AbortController();
  const res = await fetch(server.httpUrl('/live/long.flv'), { signal: ac.signal });
  let bytes = 0;
  const reading = (async () => { for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) bytes += c.length; })().catch(() => {});
  await new Promise((r) => setTimeout(r, 5000));
  const at5 = bytes;
  await new Promise((r) => setTimeout(r, 2000));
  expect(at5).toBeGreaterThan(0);
  expect(bytes).toBeGreaterThan(at5);
  ac.abort();
  await reading;
});

test('a request bound shorter than the headers bound is a config error naming both fields', () => {
  expect(checkServerConfig(resolveServerConfig({ http: { headersTimeoutSeconds: 20, requestTimeoutSeconds: 10 } })))
    .toEqual(['http.requestTimeoutSeconds (10) must be at least http.headersTimeoutSeconds (20)']);
});
