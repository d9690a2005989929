// The player page handler over a real HTTP socket: which paths it answers, headers, caching, traversal.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { playerPageHandler } from '../../images/rtmp-server/src/http/player-page';

let dir: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'player-page-'));
  dir = path.join(root, 'player');
  fs.mkdirSync(path.join(dir, 'chunks'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>player</title>');
  fs.writeFileSync(path.join(dir, 'player.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'player.js.gz'), zlib.gzipSync('console.log(1)'));
  fs.writeFileSync(path.join(dir, 'player.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'chunks', 'hls-engine-ABC123.js'), 'export{}');
  fs.writeFileSync(path.join(dir, '.secret'), 'no');
  fs.writeFileSync(path.join(root, 'outside.txt'), 'outside the player dir');
  const handle = playerPageHandler(dir);
  server = http.createServer((req, res) => {
    if (!handle(req, res)) { res.writeHead(404); res.end('not mine'); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

interface RawReply { status: number; headers: http.IncomingHttpHeaders; body: string; bytes: Buffer }

/** A raw request, so paths like /../x reach the server unnormalized. */
function raw(method: string, p: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { method, path: p, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test.each([
  ['/', 'text/html; charset=utf-8', '<!doctype html><title>player</title>'],
  ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>player</title>'],
  ['/?app=live&stream=livestream&protocol=flv', 'text/html; charset=utf-8', '<!doctype html><title>player</title>'],
  ['/players/srs_player.html?app=live', 'text/html; charset=utf-8', '<!doctype html><title>player</title>'],
  ['/players/player.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
  ['/player.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
  ['/player.css', 'text/css; charset=utf-8', 'body{}'],
])('GET %s serves the page file as %s', async (p, type, body) => {
  const r = await raw('GET', p);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe(type);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.body).toBe(body);
});

test('the page is revalidated, hashed chunks are cached for good, and a matching ETag gets 304', async () => {
  const page = await raw('GET', '/');
  expect(page.headers['cache-control']).toBe('no-cache');
  expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
  const chunk = await raw('GET', '/chunks/hls-engine-ABC123.js');
  expect(chunk.headers['cache-control']).toMatch(/immutable/);
  const again = await raw('GET', '/', { 'If-None-Match': page.headers.etag as string });
  expect(again.status).toBe(304);
  expect(again.body).toBe('');
});

test('clients that take gzip get the prebuilt .gz twin; others the plain file', async () => {
  const zipped = await raw('GET', '/player.js', { 'Accept-Encoding': 'gzip, deflate, br' });
  expect(zipped.headers['content-encoding']).toBe('gzip');
  expect(zipped.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(zipped.headers.vary).toBe('Accept-Encoding');
  expect(zlib.gunzipSync(zipped.bytes).toString()).toBe('console.log(1)');
  const plain = await raw('GET', '/player.js', { 'Accept-Encoding': 'identity' });
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body).toBe('console.log(1)');
  expect(plain.headers.etag).not.toBe(zipped.headers.etag);
  // No .gz twin: plain even when gzip is welcome.
  expect((await raw('GET', '/player.css', { 'Accept-Encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
});

test('HEAD answers the headers only; other methods get 405', async () => {
  const head = await raw('HEAD', '/player.js');
  expect(head.status).toBe(200);
  expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
  expect(head.body).toBe('');
  const post = await raw('POST', '/index.html');
  expect(post.status).toBe(405);
  expect(post.headers.allow).toBe('GET, HEAD');
});

test.each([
  '/../outside.txt',
  '/%2e%2e/outside.txt',
  '/chunks/%2e%2e/%2e%2e/outside.txt',
  '/..%2foutside.txt',
  '/..%5coutside.txt',
  '/.secret',
  '/%00index.html',
  '/%E0%A4%A',
  '/nope.js',
  '/chunks',
  '/live/livestream',
])('%s is not the page’s: the caller answers 404', async (p) => {
  const r = await raw('GET', p);
  expect(r.status).toBe(404);
  expect(r.body).toBe('not mine');
});
