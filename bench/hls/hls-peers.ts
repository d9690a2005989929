// The HLS bench's peers. Every peer has the same companion origin writing HLS (2 s segments) from the looped
// 720p publish; what differs is who answers the players, and that process is the measured one:
//   hls-edge         companion edge (`--origin-http`) caching the origin's HLS in memory
//   hls-nginx-cache  nginx with proxy_cache + proxy_cache_lock in front of the same origin
//   hls-origin       the companion origin itself, from its HLS directory
//   hls-nginx-files  nginx reading the origin's HLS directory
// and, only when asked for (--hls-peers), the Node floor (node-floor.ts): what any Node server pays for the same players
//   hls-node-http    node:http answering from memory with prebuilt headers
//   hls-node-raw     node:net with a prebuilt response head, no HTTP library
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort } from '../../test/helpers/ports';
import { Companion, startCompanion } from '../fanout/companion';
import { CACHE_DIR, Media, publish } from '../fanout/media';
import { ensureNginx, nginxMainConf } from '../fanout/nginx';
import { Proc, start } from '../fanout/procs';
import { buildSync } from 'esbuild';

export const HLS_PEERS = ['hls-edge', 'hls-nginx-cache', 'hls-origin', 'hls-nginx-files'] as const;
/** Peers run only when named: the floor of a Node process serving the same players. */
export const HLS_FLOOR_PEERS = ['hls-node-http', 'hls-node-raw'] as const;
export type HlsPeerId = typeof HLS_PEERS[number] | typeof HLS_FLOOR_PEERS[number];
const FLOOR = path.join(CACHE_DIR, 'hls-node-floor.js');
export const PLAYLIST = '/live/bench.m3u8';

export interface RunningHlsPeer {
  readonly id: HlsPeerId;
  /** The process answering the players (measured). */
  readonly server: Proc;
  /** Its HTTP port. */
  readonly port: number;
  /** The origin behind it (the same process as `server` for hls-origin). */
  readonly origin: Companion;
  /** The measured companion's API port (edge or origin), for /metrics. */
  readonly apiPort?: number;
  readonly publisher: Proc;
  stop(): Promise<void>;
}

/** nginx 1.22 (Debian's nginx-light) serving HLS on `port`: proxy_cache in front of `upstream`, or files from `root`. */
function startNginxHls(port: number, cpu: number | undefined, mode: { upstream: string } | { root: string }): Proc {
  ensureNginx();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nginx-hls-'));
  const types = 'types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }';
  // The marker header makes the companion origin treat nginx like an edge: no per-viewer playlist, not a viewer.
  const proxied = (valid: string) => `proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header x-rtmp-server-proxied 1; proxy_cache hls; proxy_cache_lock on; proxy_cache_lock_timeout 10s;
      proxy_ignore_headers Cache-Control Expires; proxy_cache_valid 200 ${valid}; proxy_cache_valid 404 1s;`;
  const server = 'upstream' in mode ? `
    location ~ \\.m3u8$ { ${proxied('1s')} }
    location ~ \\.ts$ { ${proxied('60s')} }` : `
    root ${mode.root};
    location ~ \\.m3u8$ { add_header Cache-Control no-cache; }
    location ~ \\.ts$ { add_header Cache-Control "public, max-age=86400"; }`;
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `
${nginxMainConf(prefix)}
http {
  ${types}
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 65s;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  ${'upstream' in mode ? `proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=hls:10m max_size=512m inactive=60s use_temp_path=off;
  upstream origin { server ${mode.upstream}; keepalive 16; }` : ''}
  server {
    listen 127.0.0.1:${port};
    ${server}
  }
}
`);
  const proc = start('nginx-hls', 'nginx', ['-p', prefix, '-e', `${prefix}/error.log`, '-c', `${prefix}/nginx.conf`], cpu);
  void proc.exited.then(() => fs.rmSync(prefix, { recursive: true, force: true }));
  return proc;
}

/** Resolves once `proc` listens on `port`; rejects with its output if it exits first. */
async function listening(proc: Proc, port: number): Promise<void> {
  await Promise.race([waitForPort(port, 10000), proc.exited.then((c) => { throw new Error(`${proc.name} exited (${c}): ${proc.output()}`); })]);
}

/** Starts the origin and publisher, then the measured server pinned to `cpu`. */
export async function startHlsPeer(id: HlsPeerId, media: Media, cpu: number | undefined, nodeArgs?: string[]): Promise<RunningHlsPeer> {
  const originDirect = id === 'hls-origin';
  const origin = await startCompanion({ mergeWriteMs: 350, hls: true, cpu: originDirect ? cpu : undefined, nodeArgs: originDirect ? nodeArgs : undefined });
  const publisher = publish(media, `rtmp://127.0.0.1:${origin.rtmpPort}/live/bench`);
  const stopBase = async () => { await publisher.stop(1000); await origin.proc.stop(10000); };
  if (originDirect) {
    return { id, server: origin.proc, port: origin.httpPort, origin, apiPort: origin.apiPort, publisher, stop: stopBase };
  }
  if (id === 'hls-edge') {
    const edge = await startCompanion({
      mergeWriteMs: 350, origin: `127.0.0.1:${origin.rtmpPort}`, originHttp: `127.0.0.1:${origin.httpPort}`, cpu, nodeArgs,
    });
    return {
      id, server: edge.proc, port: edge.httpPort, origin, apiPort: edge.apiPort, publisher,
      stop: async () => { await edge.proc.stop(10000); await stopBase(); },
    };
  }
  const port = await freePort();
  if (id === 'hls-node-http' || id === 'hls-node-raw') {
    buildSync({ entryPoints: [path.join(__dirname, 'node-floor.ts')], outfile: FLOOR, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
    const floor = start(id, process.execPath, [...(nodeArgs ?? []), FLOOR, id === 'hls-node-http' ? 'http' : 'raw', String(port), `127.0.0.1:${origin.httpPort}`, PLAYLIST], cpu);
    await listening(floor, port);
    return { id, server: floor, port, origin, publisher, stop: async () => { await floor.stop(3000); await stopBase(); } };
  }
  const nginx = startNginxHls(port, cpu, id === 'hls-nginx-cache' ? { upstream: `127.0.0.1:${origin.httpPort}` } : { root: origin.hlsDir });
  await listening(nginx, port);
  return { id, server: nginx, port, origin, publisher, stop: async () => { await nginx.stop(3000); await stopBase(); } };
}
