// A config directory laid out and updated exactly as the kubelet does for a mounted ConfigMap:
//   ..<timestamp>/rtmp-server.yaml   the real file
//   ..data -> ..<timestamp>          swapped atomically (symlink ..data_tmp, then rename over ..data)
//   rtmp-server.yaml -> ..data/rtmp-server.yaml
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CONFIG_NAME = 'rtmp-server.yaml';

export class ConfigMapDir {
  readonly dir: string;
  private generation = 0;

  constructor(yaml: string, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-configmap-'))) {
    this.dir = dir;
    this.update(yaml);
    fs.symlinkSync(`..data/${CONFIG_NAME}`, this.file);
  }

  /** The path the server is given (the user-visible symlink). */
  get file(): string {
    return path.join(this.dir, CONFIG_NAME);
  }

  /** Publishes new content the kubelet way: new timestamped dir, atomic ..data swap, old dir removed. */
  update(yaml: string): void {
    const old = this.generation > 0 ? this.tsDir(this.generation) : null;
    this.generation++;
    const ts = this.tsDir(this.generation);
    fs.mkdirSync(path.join(this.dir, ts));
    fs.writeFileSync(path.join(this.dir, ts, CONFIG_NAME), yaml);
    fs.chmodSync(path.join(this.dir, ts), 0o755);
    fs.symlinkSync(ts, path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    if (old) fs.rmSync(path.join(this.dir, old), { recursive: true, force: true });
  }

  private tsDir(n: number): string {
    return `..2026_11_25_00_00_0${n}.${1000 + n}`;
  }
}
