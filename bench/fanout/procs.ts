// Child processes of the bench: spawned (optionally pinned to a core with taskset, which execs the
// program so the PID is the program's), tracked, and ended by PID — also on Ctrl-C.
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB the process printed, for error messages. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  readonly stop: (graceMs?: number) => Promise<void>;
}

const running = new Set<Proc>();

/** Starts `cmd args`, pinned to `cpu` when given. stdout/stderr are kept (tail) unless `stdio` says otherwise. */
export function start(name: string, cmd: string, args: string[], cpu?: number, opts: SpawnOptions = {}): Proc {
  const [file, argv] = cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-65536); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = {
    name, child, pid: child.pid, exited,
    output: () => out,
    stop: async (graceMs = 3000) => {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(child.pid!, 'SIGTERM'); } catch { /* already gone */ }
        const t = setTimeout(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
        await exited;
        clearTimeout(t);
      }
      running.delete(proc);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Ends every process this bench started (each by its own PID). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(2000)));
}

/** Synchronous last resort for process exit paths: SIGKILL each remaining child by PID. */
export function killAllSync(): void {
  for (const p of running) {
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** CPU time (user + system, all threads) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // #14 utime, #15 stime
}

/**
 * Time the process's main thread has spent waiting for a CPU while runnable, in ms (/proc/PID/schedstat):
 * high when other work shares its core, whatever the process itself needs.
 */
export function runQueueWaitMs(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const ss = (args: string[]) => execFileSync('ss', ['-Htn', ...args], { encoding: 'utf8', timeout: 5000, maxBuffer: 256 * 1024 * 1024 });
const localPorts = new Map<number, string>();

/**
 * Bytes the process has sent (and had acknowledged) on its one TCP connection: the publisher's output.
 * (/proc/PID/io does not count send(), so ask the kernel's TCP info through `ss`.) Call it once before the
 * players connect: the first call finds the connection among all sockets.
 */
export function tcpBytesSent(pid: number): number {
  let port = localPorts.get(pid);
  if (!port) {
    const line = ss(['-p', 'state', 'established']).split('\n').find((l) => l.includes(`pid=${pid},`));
    port = line ? /\S+:(\d+)\s+\S+:\d+\s/.exec(line.trim().replace(/^\d+\s+\d+\s+/, ''))?.[1] : undefined;
    if (!port) return 0;
    localPorts.set(pid, port);
  }
  const m = /bytes_acked:(\d+)/.exec(ss(['-i', 'state', 'established', `( sport = :${port} )`]));
  return m ? Number(m[1]) : 0;
}

/** Runs a bench's main: ends every child by PID on Ctrl-C, on errors and at exit. */
export function runBench(main: () => Promise<void>): void {
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) return;
    stopping = true;
    console.log('\ninterrupted: ending the bench processes');
    void stopAll().finally(() => process.exit(130));
  });
  process.on('exit', killAllSync);
  main()
    .catch((e) => { console.error(e); process.exitCode = 1; })
    .finally(() => stopAll());
}
