// Runs the server bundle the way the image's final stage does, without a Docker engine: the Dockerfile is
// parsed (ENTRYPOINT, CMD, USER, ENV, EXPOSE, VOLUME, COPY --from=build) so the test and the image cannot drift,
// and bubblewrap builds the container's filesystem: a read-only root holding only the host's /usr (node),
// the app files where the Dockerfile copies them, the config directory mounted like a ConfigMap, the HLS
// volume writable, /tmp a tmpfs; the process runs as the image's numeric user (setpriv, no capabilities).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const DOCKERFILE = path.join(REPO, 'images/rtmp-server/Dockerfile');

export interface ImageSpec {
  readonly entrypoint: string[];
  readonly cmd: string[];
  readonly user: { uid: number; gid: number };
  readonly env: Record<string, string>;
  readonly expose: number[];
  readonly volumes: string[];
  /** Image path → host path of each file/dir the final stage copies from the build stage. */
  readonly copies: { from: string; to: string }[];
}

/** Joins continuation lines and drops comments. */
function instructions(text: string): string[] {
  return text.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

export function parseDockerfile(text = fs.readFileSync(DOCKERFILE, 'utf8')): ImageSpec {
  const lines = instructions(text);
  const froms = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  const buildStage = lines.slice(froms[0], froms[froms.length - 1]);
  const finalStage = lines.slice(froms[froms.length - 1]);
  const buildWorkdir = (buildStage.find((l) => /^WORKDIR\s/i.test(l)) ?? 'WORKDIR /').split(/\s+/)[1];
  const arg = (kw: string) => finalStage.filter((l) => new RegExp(`^${kw}\\s`, 'i').test(l)).map((l) => l.slice(kw.length).trim());
  const one = (kw: string) => {
    const all = arg(kw);
    if (all.length === 0) throw new Error(`Dockerfile final stage has no ${kw}`);
    return all[all.length - 1];
  };
  const [uid, gid] = one('USER').split(':').map(Number);
  const env: Record<string, string> = {};
  for (const e of arg('ENV')) {
    const m = /^(\S+?)[= ](.*)$/.exec(e);
    if (m) env[m[1]] = m[2];
  }
  const copies = arg('COPY').filter((c) => c.startsWith('--from=build')).map((c) => {
    const [, src, dest] = c.split(/\s+/);
    return { from: path.join(REPO, path.relative(buildWorkdir, src)), to: dest.replace(/\/$/, '') };
  });
  return {
    entrypoint: JSON.parse(one('ENTRYPOINT')),
    cmd: JSON.parse(one('CMD')),
    user: { uid, gid: Number.isFinite(gid) ? gid : uid },
    env,
    expose: arg('EXPOSE').flatMap((e) => e.split(/\s+/).map(Number)),
    volumes: arg('VOLUME').flatMap((v) => (v.startsWith('[') ? JSON.parse(v) : v.split(/\s+/))),
    copies,
  };
}

/** The node:20 images' PATH. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Sandbox {
  readonly spec: ImageSpec;
  /** Host directory mounted at the CMD's config directory (write rtmp-server.yaml here). */
  readonly configDir: string;
  /** Host directory mounted as the HLS volume. */
  readonly hlsDir: string;
  /** bwrap arguments up to (not including) the user switch and the command. */
  readonly args: string[];
}

/** The mounts of the image's filesystem; `configYaml` goes to the path the CMD passes to --config. */
export function makeSandbox(configYaml: string, spec = parseDockerfile()): Sandbox {
  if (process.getuid?.() !== 0) {
    throw new Error('the image test needs root (bwrap mounts, chown of the volume, setpriv to the image user), as CI runs it');
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-image-'));
  fs.chmodSync(work, 0o755);
  const configFile = spec.cmd[spec.cmd.indexOf('--config') + 1];
  const configDir = path.join(work, 'config');
  const hlsDir = path.join(work, 'hls');
  fs.mkdirSync(configDir, { mode: 0o755 });
  fs.writeFileSync(path.join(configDir, path.basename(configFile)), configYaml, { mode: 0o644 });
  fs.mkdirSync(hlsDir);
  fs.chownSync(hlsDir, spec.user.uid, spec.user.gid); // as the Dockerfile chowns the volume's mount point
  const hlsVolume = spec.volumes.find((v) => v.endsWith('/hls'));
  if (!hlsVolume) throw new Error('Dockerfile declares no HLS volume');

  const args = ['--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr'];
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) {
    const target = fs.existsSync(`/${l}`) && fs.lstatSync(`/${l}`).isSymbolicLink() ? fs.readlinkSync(`/${l}`) : null;
    if (target) args.push('--symlink', target, `/${l}`);
    else if (fs.existsSync(`/${l}`)) args.push('--ro-bind', `/${l}`, `/${l}`);
  }
  // Parent directories the mounts need, with image-like permissions (bwrap would make them 0700).
  const dirs = new Set<string>();
  for (const p of [path.dirname(configFile), hlsVolume, ...spec.copies.map((c) => c.to)]) {
    for (let d = path.dirname(p); d !== '/'; d = path.dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort()) args.push('--perms', '0755', '--dir', d);
  for (const f of ['/etc/hosts', '/etc/resolv.conf']) if (fs.existsSync(f)) args.push('--ro-bind', f, f);
  for (const c of spec.copies) {
    if (!fs.existsSync(c.from)) throw new Error(`${c.from} missing: run npm run -w images/rtmp-server build`);
    args.push('--ro-bind', c.from, c.to);
  }
  args.push('--ro-bind', configDir, path.dirname(configFile));
  args.push('--bind', hlsDir, hlsVolume);
  for (const v of spec.volumes.filter((x) => x !== hlsVolume)) args.push('--perms', '1777', '--tmpfs', v);
  args.push('--dev', '/dev', '--proc', '/proc', '--remount-ro', '/', '--chdir', '/', '--clearenv', '--setenv', 'PATH', IMAGE_PATH);
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  return { spec, configDir, hlsDir, args };
}

/** The command line inside the sandbox: switch to USER (no capabilities left), then ENTRYPOINT + CMD. */
function asImageUser(sb: Sandbox, command: string[]): string[] {
  const { uid, gid } = sb.spec.user;
  return [...sb.args, 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...command];
}

export interface ImageProcess {
  readonly proc: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** PID of the entrypoint process inside the sandbox (what `docker stop` signals as PID 1). */
  readonly serverPid: () => number;
}

/** Starts the image's ENTRYPOINT + CMD in the sandbox. */
export function runImage(sb: Sandbox): ImageProcess {
  const proc = spawn('bwrap', asImageUser(sb, [...sb.spec.entrypoint, ...sb.spec.cmd]), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    exited,
    serverPid: () => {
      const children = fs.readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      if (children.length !== 1 || !children[0]) throw new Error(`expected one child of bwrap, got ${children}`);
      return children[0];
    },
  };
}

/** Runs a one-off command in the same sandbox as the same user (e.g. to prove the root is read-only). */
export function runInSandbox(sb: Sandbox, command: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bwrap', asImageUser(sb, command), { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
