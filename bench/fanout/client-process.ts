// Bench child processes (the load clients): built into one plain JS file each (esbuild, once per run), driven over IPC.
import { buildSync } from 'esbuild';
import * as path from 'node:path';
import { Command, Reply } from './client/protocol';
import { CACHE_DIR } from './media';
import { Proc, start } from './procs';

const bundles = new Set<string>();

/** Bundles `entry` (a .ts file) into bench/.cache/`name`.js, once per run. */
function buildBundle(entry: string, name: string): string {
  const outfile = path.join(CACHE_DIR, `${name}.js`);
  if (!bundles.has(outfile)) {
    buildSync({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
    bundles.add(outfile);
  }
  return outfile;
}

/** A bench child process (built with esbuild, pinned to a core) driven by commands over IPC. */
export class IpcChild<C extends { cmd: string }, R extends { event: string }> {
  protected constructor(readonly proc: Proc) {}

  /** Starts the bundle of `entry` pinned to `cpu`; resolves once it said `ready`. */
  protected static async spawn(entry: string, name: string, cpu: number | undefined, args: string[]): Promise<Proc> {
    const bundle = buildBundle(entry, name);
    // BENCH_CLIENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the load client itself.
    const nodeArgs = (process.env.BENCH_CLIENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const proc = start(name, process.execPath, [...nodeArgs, bundle, ...args], cpu, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    await new IpcChild(proc).next('ready', 10000);
    return proc;
  }

  /** Sends a command and waits (≤ timeoutMs) for the reply `event`. */
  async request<E extends R['event']>(cmd: C, event: E, timeoutMs: number): Promise<Extract<R, { event: E }>> {
    const reply = this.next(event, timeoutMs);
    this.proc.child.send(cmd);
    return reply;
  }

  private next<E extends R['event']>(event: E, timeoutMs: number): Promise<Extract<R, { event: E }>> {
    const child = this.proc.child;
    return new Promise((resolve, reject) => {
      const onMsg = (r: R) => {
        if (r.event !== event) return;
        done();
        resolve(r as Extract<R, { event: E }>);
      };
      const onExit = (code: number | null) => { done(); reject(new Error(`${this.proc.name} exited (${code}) waiting for ${event}: ${this.proc.output()}`)); };
      const timer = setTimeout(() => { done(); reject(new Error(`${this.proc.name}: no ${event} within ${timeoutMs} ms`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); child.off('message', onMsg); child.off('exit', onExit); };
      child.on('message', onMsg);
      child.once('exit', onExit);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.child.connected) this.proc.child.send({ cmd: 'exit' });
    await Promise.race([this.proc.exited, new Promise((r) => setTimeout(r, 3000))]);
    await this.proc.stop(1000);
  }
}

/** The fan-out bench's player load client. */
export class LoadClient extends IpcChild<Command, Reply> {
  /** Starts a load client pinned to `cpu`; resolves once it is ready for commands. */
  static async start(cpu: number | undefined, maxSeconds: number): Promise<LoadClient> {
    const proc = await IpcChild.spawn(path.join(__dirname, 'client/load-client.ts'), 'load-client', cpu, ['--max-seconds', String(maxSeconds)]);
    return new LoadClient(proc);
  }
}
