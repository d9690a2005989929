// The two servers of the ingest bench, each with HLS on or off: the companion origin (`hls.enabled`) and
// nginx + libnginx-mod-rtmp (`hls on` into a temporary directory). Same fragment and window on both.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort } from '../../test/helpers/ports';
import { startCompanion } from '../fanout/companion';
import { startNginx } from '../fanout/nginx';
import { Proc } from '../fanout/procs';

export type ServerKind = 'companion' | 'nginx';

export const HLS_TIMING = { fragmentSeconds: 2, windowSeconds: 10 };
export const APP = 'live';

export interface IngestServer {
  readonly kind: ServerKind;
  readonly proc: Proc;
  readonly rtmpPort: number;
  readonly apiPort?: number;
  /** Where a stream's playlist is (HLS on). */
  readonly playlist: (stream: string) => string;
  /** The server's HLS directory (nothing may land outside it). */
  readonly hlsRoot: string;
  readonly stop: () => Promise<void>;
}

export interface ServerOptions {
  readonly hls: boolean;
  readonly cpu?: number;
  /** Companion only: extra node flags (profiling). */
  readonly nodeArgs?: string[];
  /** Companion only: extra YAML config lines (the relay section). */
  readonly extraConfig?: string[];
}

export async function startServer(kind: ServerKind, o: ServerOptions): Promise<IngestServer> {
  if (kind === 'nginx') {
    const port = await freePort();
    const hlsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nginx-hls-'));
    const directives = o.hls
      ? `hls on; hls_path ${hlsRoot}; hls_fragment ${HLS_TIMING.fragmentSeconds}s; hls_playlist_length ${HLS_TIMING.windowSeconds}s;`
      : '';
    const { proc } = startNginx(port, o.cpu, directives);
    await Promise.race([waitForPort(port, 10000), proc.exited.then((c) => { throw new Error(`nginx exited (${c}): ${proc.output()}`); })]);
    return {
      kind, proc, rtmpPort: port, hlsRoot,
      playlist: (s) => path.join(hlsRoot, `${s}.m3u8`),
      stop: async () => { await proc.stop(5000); fs.rmSync(hlsRoot, { recursive: true, force: true }); },
    };
  }
  const c = await startCompanion({
    mergeWriteMs: 350, cpu: o.cpu, nodeArgs: o.nodeArgs, extraConfig: o.extraConfig,
    hls: o.hls ? HLS_TIMING : undefined,
  });
  return {
    kind, proc: c.proc, rtmpPort: c.rtmpPort, apiPort: c.apiPort, hlsRoot: c.hlsDir,
    playlist: (s) => path.join(c.hlsDir, APP, `${s}.m3u8`),
    stop: () => c.proc.stop(10000), // room to write a --cpu-prof file
  };
}
