// A config file that stays invalid is rejected, and logged, once per distinct content: directory events that leave
// its content as it was (the same ConfigMap re-published, other files touched) do not re-read it. The same invalid
// file used to log an identical config-reload-rejected at every file event (6 in 1.5 s).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ServerConfig } from '../../lib/server-config';
import { loadConfig } from '../../images/rtmp-server/src/config/load';
import { reloadConfig } from '../../images/rtmp-server/src/config/reload';
import { watchConfigFile } from '../../images/rtmp-server/src/config/watch';
import { ConfigMapDir } from './config-configmap';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the same invalid content is rejected and logged once; a different one again; a valid one applies', async () => {
  const cm = new ConfigMapDir('log:\n  level: info\n');
  const load = () => loadConfig({ argv: ['--config', cm.file], env: {} }).config;
  let config: ServerConfig = load();
  const lines: Record<string, any>[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write(c, _e, cb) { lines.push(JSON.parse(String(c))); cb(); } }));
  const applied: ServerConfig[] = [];
  const watch = watchConfigFile(cm.file, () => {
    config = reloadConfig(config, load, { reload: (next) => { applied.push(next); return []; } }, log) ?? config;
  }, log, { debounceMs: 100, pollMs: 200 });
  const rejected = () => lines.filter((l) => l.event === 'config-reload-rejected');
  try {
    const bad = 'rtmp:\n  chunkSize: 1\n';
    cm.update(bad);
    for (let i = 0; i < 6; i++) { // every 250 ms: past the debounce, as the kubelet or an editor would
      await sleep(250);
      if (i % 2) cm.update(bad); else fs.writeFileSync(path.join(cm.dir, `other-${i}`), 'x');
    }
    await sleep(400);
    expect(rejected()).toHaveLength(1);
    expect(rejected()[0].problems[0]).toMatch(/^rtmp.chunkSize must be >= 128 \(got 1\)/);

    cm.update('rtmp:\n  chunkSize: 2\n'); // different content: said again
    await sleep(600);
    expect(rejected()).toHaveLength(2);

    cm.update('log:\n  level: warn\n');
    await sleep(600);
    expect(applied).toHaveLength(1);
    expect(config.log.level).toBe('warn');
    expect(rejected()).toHaveLength(2);
  } finally {
    watch.close();
  }
});
