import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, waitForPort } from '../helpers/ports';
import { find, synthApps } from './support/synth';

/**
 * The nginx sidecar's default.conf, as synthesized into dist, served by a real nginx on loopback (its `listen`
 * and `root` pointed at a free port and a temp dir): playlists are never cached, segments are, both with CORS.
 */
const conf: string = find(synthApps()['origin-with-nginx'], 'ConfigMap', 'rtmp-nginx-config').data['default.conf'];

describe('nginx sidecar config', () => {
  let dir: string;
  let port: number;
  let nginx: ChildProcess | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-nginx-'));
    const html = path.join(dir, 'html');
    fs.mkdirSync(path.join(html, 'live'), { recursive: true });
    fs.writeFileSync(path.join(html, 'index.html'), '<html>player</html>');
    fs.writeFileSync(path.join(html, 'live', 's.m3u8'), '#EXTM3U\n');
    fs.writeFileSync(path.join(html, 'live', 's-0.ts'), Buffer.alloc(188, 0x47));
    for (const d of [dir, html, path.join(html, 'live')]) fs.chmodSync(d, 0o755);
    port = await freePort();
    expect(conf).toMatch(/listen 80;/);
    expect(conf).toMatch(/root \/usr\/share\/nginx\/html;/);
    const server = conf.replace('listen 80;', `listen 127.0.0.1:${port};`).replace('root /usr/share/nginx/html;', `root ${html};`);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      'events { worker_connections 64; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  access_log off;',
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      server,
      '}',
    ].join('\n'));
    // Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
    const bin = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
    nginx = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
    await waitForPort(port, 10000);
  });

  afterAll(() => {
    if (nginx?.pid) process.kill(nginx.pid, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('playlists: HLS content type, never cached, CORS', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/live/s.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('segments: MPEG-TS content type, cacheable for a minute, CORS', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/live/s-0.ts`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp2t');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect((await res.arrayBuffer()).byteLength).toBe(188);
  });

  test('the seeded player page is the index (what the readiness probe fetches)', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('player');
  });
});
