// Builds the load client into one plain JS file (esbuild, once per run) and drives it over IPC.
import { buildSync } from 'esbuild';
import * as path from 'node:path';
import { Command, Reply } from './client/protocol';
import { CACHE_DIR } from './media';
import { Proc, start } from './procs';

const BUNDLE = path.join(CACHE_DIR, 'load-client.js');
let built = false;

function buildClient(): void {
  if (built) return;
  buildSync({
    entryPoints: [path.join(__dirname, 'client/load-client.ts')],
    outfile: BUNDLE, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning',
  });
  built = true;
}

export class LoadClient {
  private constructor(readonly proc: Proc) {}

  /** Starts a load client pinned to `cpu`; resolves once it is ready for commands. */
  static async start(cpu: number | undefined, maxSeconds: number): Promise<LoadClient> {
    buildClient();
    // BENCH_CLIENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the load client itself.
    const nodeArgs = (process.env.BENCH_CLIENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const proc = start('load-client', process.execPath, [...nodeArgs, BUNDLE, '--max-seconds', String(maxSeconds)], cpu, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const c = new LoadClient(proc);
    await c.next('ready', 10000);
    return c;
  }

  /** Sends a command and waits (≤ timeoutMs) for the reply `event`. */
  async request<E extends Reply['event']>(cmd: Command, event: E, timeoutMs: number): Promise<Extract<Reply, { event: E }>> {
    const reply = this.next(event, timeoutMs);
    this.proc.child.send(cmd);
    return reply;
  }

  private next<E extends Reply['event']>(event: E, timeoutMs: number): Promise<Extract<Reply, { event: E }>> {
    const child = this.proc.child;
    return new Promise((resolve, reject) => {
      const onMsg = (r: Reply) => {
        if (r.event !== event) return;
        done();
        resolve(r as Extract<Reply, { event: E }>);
      };
      const onExit = (code: number | null) => { done(); reject(new Error(`load client exited (${code}) waiting for ${event}: ${this.proc.output()}`)); };
      const timer = setTimeout(() => { done(); reject(new Error(`load client: no ${event} within ${timeoutMs} ms`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); child.off('message', onMsg); child.off('exit', onExit); };
      child.on('message', onMsg);
      child.once('exit', onExit);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.child.connected) this.proc.child.send({ cmd: 'exit' } satisfies Command);
    await Promise.race([this.proc.exited, new Promise((r) => setTimeout(r, 3000))]);
    await this.proc.stop(1000);
  }
}
