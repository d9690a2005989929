// The servers the bench compares ("peers"), and how to bring one up with the publisher attached.
import { freePort, waitForPort } from '../../test/helpers/ports';
import { Target } from './client/protocol';
import { startCompanion } from './companion';
import { Media, publish } from './media';
import { startNginx } from './nginx';
import { Proc } from './procs';

export interface PeerSpec {
  /** Short id used on the command line (--peers) and in the JSON. */
  readonly id: string;
  readonly server: 'nginx' | 'origin' | 'edge';
  readonly proto: 'rtmp' | 'flv';
  /** Companion write-merging window (play.mergeWriteMs). */
  readonly mergeWriteMs?: number;
}

export const ALL_PEERS: PeerSpec[] = [
  { id: 'nginx-rtmp', server: 'nginx', proto: 'rtmp' },
  { id: 'origin-rtmp-350', server: 'origin', proto: 'rtmp', mergeWriteMs: 350 },
  { id: 'origin-flv-350', server: 'origin', proto: 'flv', mergeWriteMs: 350 },
  { id: 'edge-rtmp-350', server: 'edge', proto: 'rtmp', mergeWriteMs: 350 },
  { id: 'edge-flv-350', server: 'edge', proto: 'flv', mergeWriteMs: 350 },
  { id: 'origin-rtmp-0', server: 'origin', proto: 'rtmp', mergeWriteMs: 0 },
  { id: 'origin-flv-0', server: 'origin', proto: 'flv', mergeWriteMs: 0 },
  { id: 'edge-rtmp-0', server: 'edge', proto: 'rtmp', mergeWriteMs: 0 },
  { id: 'edge-flv-0', server: 'edge', proto: 'flv', mergeWriteMs: 0 },
];
/** Run when --peers is not given: everything the issue asks for, edge at the default window only. */
export const DEFAULT_PEERS = ALL_PEERS.filter((p) => !p.id.startsWith('edge-') || p.mergeWriteMs === 350).map((p) => p.id);

export const STREAM = { app: 'live', stream: 'bench' };

export interface RunningPeer {
  /** The process whose CPU and memory are measured (nginx, the origin, or the edge). */
  readonly server: Proc;
  readonly target: Target;
  /** Companion API port of the measured server (for /metrics). */
  readonly apiPort?: number;
  /** Edge runs: the origin behind it. */
  readonly origin?: { proc: Proc; rtmpPort: number; apiPort: number };
  readonly publisher: Proc;
}

/** Starts the peer's server(s) — the measured one pinned to `cpu` — and the publisher. */
export async function startPeer(spec: PeerSpec, media: Media, cpu: number | undefined, nodeArgs?: string[]): Promise<RunningPeer> {
  const publishTo = (port: number) => publish(media, `rtmp://127.0.0.1:${port}/${STREAM.app}/${STREAM.stream}`);
  if (spec.server === 'nginx') {
    const port = await freePort();
    const { proc } = startNginx(port, cpu);
    await Promise.race([waitForPort(port, 10000), proc.exited.then((c) => { throw new Error(`nginx exited (${c}): ${proc.output()}`); })]);
    return { server: proc, target: { proto: 'rtmp', port, ...STREAM }, publisher: publishTo(port) };
  }
  const mergeWriteMs = spec.mergeWriteMs ?? 350;
  if (spec.server === 'origin') {
    const o = await startCompanion({ mergeWriteMs, cpu, nodeArgs });
    const port = spec.proto === 'rtmp' ? o.rtmpPort : o.httpPort;
    return { server: o.proc, apiPort: o.apiPort, target: { proto: spec.proto, port, ...STREAM }, publisher: publishTo(o.rtmpPort) };
  }
  // Edge: the origin runs unpinned next to the publisher; only the edge shares nothing with the load client.
  const origin = await startCompanion({ mergeWriteMs });
  const edge = await startCompanion({ mergeWriteMs, origin: `127.0.0.1:${origin.rtmpPort}`, cpu, nodeArgs });
  const port = spec.proto === 'rtmp' ? edge.rtmpPort : edge.httpPort;
  return {
    server: edge.proc, apiPort: edge.apiPort, target: { proto: spec.proto, port, ...STREAM },
    origin: { proc: origin.proc, rtmpPort: origin.rtmpPort, apiPort: origin.apiPort },
    publisher: publishTo(origin.rtmpPort),
  };
}

/** Ends the peer's processes by PID. */
export async function stopPeer(p: RunningPeer): Promise<void> {
  await p.publisher.stop(1000);
  await p.server.stop(10000); // room to write a --cpu-prof file
  if (p.origin) await p.origin.proc.stop(3000);
}
