// nginx + Debian's libnginx-mod-rtmp as the reference peer: its own config under a temporary prefix,
// one worker without a master (so the PID we watch is the process doing the work), loopback only.
// nginx-rtmp has no HTTP-FLV, so it is the RTMP reference only.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Proc, start } from './procs';

const MODULE_CANDIDATES = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/lib64/nginx/modules/ngx_rtmp_module.so'];

function modulePath(): string | undefined {
  return MODULE_CANDIDATES.find((p) => fs.existsSync(p));
}

/** Installs nginx-light + libnginx-mod-rtmp with apt-get when missing and we are root (as scripts/test-all.sh does). */
export function ensureNginx(): string {
  let mod = modulePath();
  const hasNginx = () => { try { execFileSync('nginx', ['-v'], { stdio: 'ignore' }); return true; } catch { return false; } };
  if ((!mod || !hasNginx()) && process.getuid?.() === 0) {
    console.log('installing nginx-light libnginx-mod-rtmp with apt-get ...');
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'nginx-light', 'libnginx-mod-rtmp'], {
      stdio: 'inherit', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    mod = modulePath();
  }
  if (!mod || !hasNginx()) throw new Error('nginx with libnginx-mod-rtmp is required: apt-get install nginx-light libnginx-mod-rtmp');
  return mod;
}

/** "nginx/1.22.1 + libnginx-mod-rtmp 1.2.2-1" (nginx -v prints to stderr; the module version from dpkg). */
export function nginxVersion(): string {
  const v = spawnSync('nginx', ['-v'], { encoding: 'utf8', timeout: 5000 });
  const nginx = /nginx\/[\d.]+/.exec(`${v.stderr}${v.stdout}`)?.[0] ?? 'nginx (version unknown)';
  const mod = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libnginx-mod-rtmp'], { encoding: 'utf8', timeout: 5000 });
  return mod.status === 0 && mod.stdout ? `${nginx} + libnginx-mod-rtmp ${mod.stdout.trim()}` : nginx;
}

/**
 * The top of every bench nginx.conf: one worker, no master (the PID watched does the work), files under `prefix`.
 * `workerConnections` sized to the bench (the load benches hold thousands of players).
 */
export function nginxMainConf(prefix: string, workerConnections = 16000): string {
  return `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections ${workerConnections}; }`;
}

/**
 * Starts nginx-rtmp on 127.0.0.1:rtmpPort, pinned to `cpu`. `appDirectives` go into `application live`
 * (the ingest bench's `hls on; hls_path ...`).
 */
export function startNginx(rtmpPort: number, cpu: number | undefined, appDirectives = ''): { proc: Proc; prefix: string } {
  const mod = ensureNginx();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nginx-'));
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `
load_module ${mod};
${nginxMainConf(prefix)}
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    application live { live on; ${appDirectives} }
  }
}
`);
  const proc = start('nginx-rtmp', 'nginx', ['-p', prefix, '-e', `${prefix}/error.log`, '-c', `${prefix}/nginx.conf`], cpu);
  void proc.exited.then(() => fs.rmSync(prefix, { recursive: true, force: true }));
  return { proc, prefix };
}
