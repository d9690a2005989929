import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts, waitForPort } from './ports';

/** The bundle the image runs (`node dist/main.js`); `npm run build` makes it. */
export const SERVER_ENTRY = path.resolve(__dirname, '../../images/rtmp-server/dist/main.js');

export interface ServerOptions {
  /** Extra command-line flags, e.g. ['--mode', 'edge', '--origin', '127.0.0.1:1936']. */
  readonly args?: string[];
  /** YAML written to a temporary config file passed with --config. */
  readonly configYaml?: string;
  /** Environment overrides. */
  readonly env?: Record<string, string>;
  /** Fixed ports instead of OS-picked ones (to restart a server at the same address). */
  readonly ports?: { readonly rtmp: number; readonly http: number; readonly api: number };
}

/** A real server process on loopback, on ports the OS picked. */
export interface RunningServer {
  readonly proc: ChildProcess;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly apiPort: number;
  readonly hlsDir: string;
  readonly workDir: string;
  /** Everything the process printed (JSON log lines), for assertions and for failure messages. */
  readonly output: () => string;
  readonly rtmpUrl: (app?: string, stream?: string) => string;
  readonly httpUrl: (p: string) => string;
  readonly apiUrl: (p: string) => string;
  /** Sends `signal` to this process (by PID) and waits for it to exit; returns the exit code. */
  readonly stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | null>;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} missing: run npm run build first`);
  const [rtmpPort, httpPort, apiPort] = opts.ports
    ? [opts.ports.rtmp, opts.ports.http, opts.ports.api]
    : await freePorts(3);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-server-test-'));
  const hlsDir = path.join(workDir, 'hls');
  fs.mkdirSync(hlsDir);
  const args = [
    SERVER_ENTRY,
    '--rtmp-port', String(rtmpPort),
    '--http-port', String(httpPort),
    '--api-port', String(apiPort),
    '--hls-dir', hlsDir,
  ];
  if (opts.configYaml !== undefined) {
    const cfg = path.join(workDir, 'rtmp-server.yaml');
    fs.writeFileSync(cfg, opts.configYaml);
    args.push('--config', cfg);
  }
  args.push(...(opts.args ?? []));
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const server: RunningServer = {
    proc, rtmpPort, httpPort, apiPort, hlsDir, workDir,
    output: () => out,
    rtmpUrl: (app = 'live', stream = 'livestream') => `rtmp://127.0.0.1:${rtmpPort}/${app}/${stream}`,
    httpUrl: (p) => `http://127.0.0.1:${httpPort}${p}`,
    apiUrl: (p) => `http://127.0.0.1:${apiPort}${p}`,
    stop: async (signal = 'SIGTERM', timeoutMs = 15000) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    await Promise.race([
      Promise.all([waitForPort(rtmpPort), waitForPort(httpPort), waitForPort(apiPort)]),
      exited.then((code) => { throw new Error(`server exited early (${code}):\n${out}`); }),
    ]);
  } catch (e) {
    await server.stop('SIGKILL');
    throw e;
  }
  return server;
}
