// `npm run server` on a workstation: the default HLS directory (/var/lib/rtmp-server/hls, the image's
// volume) usually cannot be created by a normal user. When there is no config file, nobody chose hls.dir
// and the default is not writable, HLS goes under the OS temp dir instead, so a newcomer gets HLS at once.
// load.ts never applies this with a config file (the image always has one): a wrong volume mount must
// show up as an error there, not be papered over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServerConfig } from '../../../../lib/server-config';

/** Whether `dir` exists writable, or could be created: its nearest existing ancestor is a writable directory. */
function writable(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (!fs.statSync(d).isDirectory()) return false;
      fs.accessSync(d, fs.constants.W_OK);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || d === path.dirname(d)) return false;
    }
  }
}

/** The config to run with, and a warning when the HLS directory was moved. */
export function withUsableHlsDir(
  config: ServerConfig, sources: Record<string, string>, tmp = os.tmpdir(),
): { config: ServerConfig; warning: string | null } {
  if (!config.hls.enabled || sources['hls.dir'] || writable(config.hls.dir)) return { config, warning: null };
  const dir = path.join(tmp, `rtmp-server-hls-${process.getuid?.() ?? 'user'}`);
  return {
    config: { ...config, hls: { ...config.hls, dir } },
    warning: `default hls.dir ${config.hls.dir} is not writable; writing HLS to ${dir} (set hls.dir to choose)`,
  };
}
