// The floor under the HLS edge: the least work a Node process can do to serve the same HLS players, to tell the
// edge's own JavaScript from what any Node server pays (the kernel copy of every byte in writev; nginx uses sendfile).
// It mirrors the origin's playlist and segments into memory (polled, no coalescing or bounds) and answers:
//   http  through node:http with a prebuilt header array per object (the smallest node:http response);
//   raw   on node:net with a hand-rolled request splitter and a prebuilt response head (no HTTP library at all).
// Not a server for anything but this measurement. Run by hls-peers.ts as the peers hls-node-http and hls-node-raw.
import * as http from 'node:http';
import * as net from 'node:net';

const [mode, portArg, originArg, playlistPath] = process.argv.slice(2);
if ((mode !== 'http' && mode !== 'raw') || !portArg || !originArg || !playlistPath) {
  console.error('usage: node-floor.ts http|raw PORT ORIGIN_HOST:PORT /live/bench.m3u8');
  process.exit(2);
}
const [originHost, originPort] = originArg.split(':');
const dir = playlistPath.slice(0, playlistPath.lastIndexOf('/') + 1);

interface Obj { body: Buffer; headers: string[]; head: Buffer }
const objects = new Map<string, Obj>();

function obj(body: Buffer, type: string, cache: string): Obj {
  const headers = ['Content-Type', type, 'Content-Length', String(body.length), 'Cache-Control', cache];
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nCache-Control: ${cache}\r\n` +
    `Connection: keep-alive\r\n\r\n`, 'latin1');
  return { body, headers, head };
}

function fetchOrigin(p: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: originHost, port: Number(originPort), path: p, headers: { 'x-rtmp-server-proxied': '1' }, timeout: 5000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(parts) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

// Mirror: segments first, then the playlist that names them, so a player never sees a name it cannot fetch.
async function poll(): Promise<void> {
  const pl = await fetchOrigin(playlistPath);
  if (pl) {
    const names = pl.toString('latin1').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split('?')[0]);
    for (const n of names) {
      const p = dir + n;
      if (objects.has(p)) continue;
      const seg = await fetchOrigin(p);
      if (seg) objects.set(p, obj(seg, 'video/mp2t', 'max-age=60'));
    }
    const keep = new Set(names.map((n) => dir + n));
    for (const k of objects.keys()) if (k.endsWith('.ts') && !keep.has(k)) objects.delete(k);
    objects.set(playlistPath, obj(pl, 'application/vnd.apple.mpegurl', 'no-cache'));
  }
  setTimeout(() => void poll(), 500);
}
void poll();

const port = Number(portArg);
const NOT_FOUND = Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n', 'latin1');

if (mode === 'http') {
  http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const o = objects.get((req.url ?? '').split('?')[0]);
    if (!o) { res.writeHead(404, ['Content-Length', '0']).end(); return; }
    res.writeHead(200, o.headers).end(o.body);
  }).listen(port, '127.0.0.1');
} else {
  // GET-only, no bodies, one request head per "\r\n\r\n": enough for the bench's client, nothing more.
  net.createServer({ noDelay: true }, (socket) => {
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const line = pending.slice(0, pending.indexOf('\r\n'));
        pending = pending.slice(end + 4);
        const p = line.split(' ')[1] ?? '';
        const o = objects.get(p.split('?')[0]);
        if (!o) { socket.write(NOT_FOUND); continue; }
        socket.cork();
        socket.write(o.head);
        socket.write(o.body);
        socket.uncork();
      }
      if (pending.length > 8192) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
  }).listen(port, '127.0.0.1');
}

// A clean exit on SIGTERM, so `--cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
