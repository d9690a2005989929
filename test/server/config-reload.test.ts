// Reload through a real directory updated like the kubelet updates a mounted ConfigMap (..data symlink swap).
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ServerConfig } from '../../lib/server-config';
import { loadConfig } from '../../images/rtmp-server/src/config/load';
import { changedFields, reloadConfig } from '../../images/rtmp-server/src/config/reload';
import { watchConfigFile } from '../../images/rtmp-server/src/config/watch';
import { ConfigMapDir } from './config-configmap';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Resolves when `pred` holds; polls at most `tries` times (bounded). */
async function until(pred: () => boolean, tries = 100, everyMs = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error('condition not reached');
}

describe('config reload', () => {
  test('a ..data symlink swap is seen, re-read and applied; flags still win; an invalid update keeps the old config', async () => {
    const cm = new ConfigMapDir('auth:\n  publishSecret: one\nrtmp:\n  port: 2935\n');
    const argv = ['--config', cm.file, '--rtmp-port', '3935'];
    const load = () => loadConfig({ argv, env: {} }).config;
    let config: ServerConfig = load();
    expect(config.auth.publishSecret).toBe('one');
    const applied: ServerConfig[] = [];
    const app = { reload: (next: ServerConfig) => { applied.push(next); return []; } };
    const { log, lines } = captureLogger();
    let events = 0;
    const watch = watchConfigFile(cm.file, () => {
      events++;
      config = reloadConfig(config, load, app, log) ?? config;
    }, log, { debounceMs: 100 });
    try {
      cm.update('auth:\n  publishSecret: two\nrtmp:\n  port: 2935\napi:\n  port: 1999\n');
      await until(() => applied.length === 1);
      expect(config.auth.publishSecret).toBe('two');
      expect(config.rtmp.port).toBe(3935); // the flag still overrides the file
      const reloaded = lines.find((l) => l.event === 'config-reloaded')!;
      expect(reloaded.changed).toEqual(['api.port', 'auth.publishSecret']);
      expect(reloaded.needRestart).toEqual(['api.port']);
      expect(JSON.stringify(lines)).not.toContain('two'); // secrets stay out of the log

      const before = events;
      cm.update('auth:\n  publishSecret: 3\nhls:\n  fragmentSeconds: 0\n');
      await until(() => events > before && lines.some((l) => l.event === 'config-reload-rejected'));
      expect(applied).toHaveLength(1);
      expect(config.auth.publishSecret).toBe('two');
      const rejected = lines.find((l) => l.event === 'config-reload-rejected')!;
      expect(rejected.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^hls.fragmentSeconds must be > 0/), expect.stringMatching(/^auth.publishSecret must be string/)]));

      cm.update('auth:\n  publishSecret: four\n');
      await until(() => applied.length === 2);
      expect(config.auth.publishSecret).toBe('four');
      expect(config.api.port).toBe(1985);
    } finally {
      watch.close();
    }
  });

  test('an unchanged file (same content re-published) does not reload', () => {
    const cm = new ConfigMapDir('log:\n  level: info\n');
    const load = () => loadConfig({ argv: ['--config', cm.file], env: {} }).config;
    const config = load();
    const app = { reload: jest.fn(() => []) };
    const { log } = captureLogger();
    cm.update('log:\n  level: info\n');
    expect(reloadConfig(config, load, app, log)).toBeNull();
    expect(app.reload).not.toHaveBeenCalled();
  });

  test('an app that fails to apply a config keeps the shell on the old one, logged, no crash', () => {
    const cm = new ConfigMapDir('log:\n  level: info\n');
    const load = () => loadConfig({ argv: ['--config', cm.file], env: {} }).config;
    const config = load();
    const { log, lines } = captureLogger();
    cm.update('log:\n  level: warn\n');
    const app = { reload: () => { throw new Error('boom'); } };
    expect(reloadConfig(config, load, app, log)).toBeNull();
    expect(lines.find((l) => l.event === 'config-reload-failed')).toMatchObject({ changed: ['log.level'] });
  });

  test('changedFields lists dotted paths', () => {
    const a = loadConfig({ argv: [], env: {} }).config;
    const b = loadConfig({ argv: ['--origin', 'o:1', '--hls-dir', '/x'], env: {} }).config;
    expect(changedFields(a, b)).toEqual(['hls.dir', 'edge.origins']);
  });
});
