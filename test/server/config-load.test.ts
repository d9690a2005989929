// Config layering and typing, in process: defaults < file < env < flags; env/flags typed by the schema.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SERVER_CONFIG } from '../../lib/server-config';
import { envName, readEnv } from '../../images/rtmp-server/src/config/env';
import { ConfigError } from '../../images/rtmp-server/src/config/errors';
import { loadConfig } from '../../images/rtmp-server/src/config/load';

function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-config-load-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  test('no file, no env, no flags: exactly the shared defaults (npm run server)', () => {
    const { config, file } = loadConfig({ argv: [], env: {} });
    expect(file).toBeNull();
    // hls.dir may move under the temp dir when the test runs as a user who cannot write the default.
    expect({ ...config, hls: { ...config.hls, dir: DEFAULT_SERVER_CONFIG.hls.dir } }).toEqual(DEFAULT_SERVER_CONFIG);
  });

  test('precedence: file < env < flags, field by field, with the source of each value', () => {
    const file = tmpFile('c.yaml', 'rtmp:\n  port: 2001\n  chunkSize: 4096\nhttp:\n  port: 2002\napi:\n  port: 2003\nlog:\n  level: warn\n');
    const { config, sources } = loadConfig({
      argv: ['--config', file, '--rtmp-port', '3001'],
      env: { RTMP_SERVER_RTMP_PORT: '4001', RTMP_SERVER_HTTP_PORT: '4002' },
    });
    expect(config.rtmp).toEqual({ ...DEFAULT_SERVER_CONFIG.rtmp, port: 3001, chunkSize: 4096 });
    expect(config.http.port).toBe(4002);
    expect(config.api.port).toBe(2003);
    expect(config.log.level).toBe('warn');
    expect(config.hls).toEqual(DEFAULT_SERVER_CONFIG.hls);
    expect(sources).toMatchObject({
      'rtmp.port': '--rtmp-port', 'rtmp.chunkSize': file, 'http.port': 'env RTMP_SERVER_HTTP_PORT', 'api.port': file,
    });
  });

  test('JSON files read like YAML', () => {
    const file = tmpFile('c.json', JSON.stringify({ mode: 'edge', edge: { origins: ['o1:1935'] } }));
    expect(loadConfig({ argv: ['--config', file], env: {} }).config.edge.origins).toEqual(['o1:1935']);
  });

  test('env names are SCREAMING_SNAKE of the path and values take the schema type', () => {
    expect(envName('auth.publishSecret')).toBe('RTMP_SERVER_AUTH_PUBLISH_SECRET');
    const { config } = loadConfig({
      argv: [],
      env: {
        RTMP_SERVER_MODE: 'edge',
        RTMP_SERVER_EDGE_ORIGINS: 'a:1935, b:1936',
        RTMP_SERVER_EDGE_IDLE_SECONDS: '2.5',
        RTMP_SERVER_API_ALLOW_KICK: 'false',
        RTMP_SERVER_AUTH_PUBLISH_SECRET: '007',
        RTMP_SERVER_PLAY_GOP_CACHE: '0',
      },
    });
    expect(config.mode).toBe('edge');
    expect(config.edge.origins).toEqual(['a:1935', 'b:1936']);
    expect(config.edge.idleSeconds).toBe(2.5);
    expect(config.api.allowKick).toBe(false);
    expect(config.auth.publishSecret).toBe('007'); // a string field stays a string
    expect(config.play.gopCache).toBe(false);
  });

  test('Kubernetes service-link variables (tcp://...) are ignored with a warning, not read as ports', () => {
    const env = { RTMP_SERVER_API_PORT: 'tcp://10.0.0.7:1985', RTMP_SERVER_PORT: 'tcp://10.0.0.8:1935' };
    const layer = readEnv(env);
    expect(layer.input).toEqual({});
    expect(layer.warnings.join('\n')).toMatch(/RTMP_SERVER_API_PORT.*service link/);
    expect(loadConfig({ argv: [], env }).config.api.port).toBe(1985);
  });

  test('flags for every role: edge origins, relay targets, cluster peers, hls dir', () => {
    const { config } = loadConfig({
      argv: ['--mode', 'relay', '--relay-targets', 'r1:1935,r2:1935', '--peers', 'p1:1985', '--origin', 'o:1935',
        '--hls-dir', '/srv/hls', '--api-port', '1999', '--http-port', '8088'],
      env: {},
    });
    expect(config.mode).toBe('relay');
    expect(config.relay.targets).toEqual(['r1:1935', 'r2:1935']);
    expect(config.cluster.peers).toEqual(['p1:1985']);
    expect(config.edge.origins).toEqual(['o:1935']);
    expect(config.hls.dir).toBe('/srv/hls');
    expect([config.api.port, config.http.port]).toEqual([1999, 8088]);
  });

  test('every problem names its field and where the value came from', () => {
    const file = tmpFile('bad.yaml', 'rtmp:\n  port: 70000\nhls:\n  fragmentSeconds: 0\nplay:\n  gopcache: true\n');
    const problems = problemsOf(() => loadConfig({ argv: ['--config', file], env: { RTMP_SERVER_LOG_LEVEL: 'loud' } }));
    expect(problems).toEqual(expect.arrayContaining([
      `rtmp.port must be <= 65535 (got 70000) [from ${file}]`,
      `hls.fragmentSeconds must be > 0 (got 0) [from ${file}]`,
      expect.stringMatching(new RegExp(`^play.gopcache is not a known setting \\(known: gopCache.*\\) \\[from ${file}\\]$`)),
      'log.level must be one of debug, info, warn, error (got "loud") [from env RTMP_SERVER_LOG_LEVEL]',
    ]));
    expect(problems).toHaveLength(4);
  });

  test('cross-field checks from lib/server-config name both fields and their sources', () => {
    const problems = problemsOf(() => loadConfig({ argv: ['--http-port', '1985'], env: {} }));
    expect(problems).toEqual(['http.port and api.port are both 1985: each listener needs its own port [from --http-port]']);
    expect(problemsOf(() => loadConfig({ argv: ['--mode', 'edge'], env: {} }))[0]).toMatch(/^edge.origins is empty.*\[from --mode\]$/);
  });

  test('secrets never appear in messages', () => {
    const file = tmpFile('s.yaml', 'auth:\n  publishSecret: 123456789\n');
    const [p] = problemsOf(() => loadConfig({ argv: ['--config', file], env: {} }));
    expect(p).toMatch(/^auth.publishSecret must be string \(got a number\)/);
    expect(p).not.toContain('123456789');
  });

  test('unreadable, unparsable and non-mapping files, unknown flags and stray arguments are refused', () => {
    expect(problemsOf(() => loadConfig({ argv: ['--config', '/nonexistent/x.yaml'], env: {} }))[0]).toMatch(/cannot read \/nonexistent\/x.yaml/);
    const bad = tmpFile('p.yaml', 'rtmp: [\n');
    expect(problemsOf(() => loadConfig({ argv: ['--config', bad], env: {} }))[0]).toMatch(/^cannot parse .*p.yaml/);
    const dup = tmpFile('d.yaml', 'mode: origin\nmode: edge\n');
    expect(problemsOf(() => loadConfig({ argv: ['--config', dup], env: {} }))[0]).toMatch(/^cannot parse .*d.yaml/);
    const list = tmpFile('l.yaml', '- a\n- b\n');
    expect(problemsOf(() => loadConfig({ argv: ['--config', list], env: {} }))[0]).toMatch(/must hold a mapping/);
    expect(problemsOf(() => loadConfig({ argv: ['--rtmp-prot', '1'], env: {} }))[0]).toMatch(/Unknown option '--rtmp-prot'/);
    expect(problemsOf(() => loadConfig({ argv: ['serve'], env: {} }))[0]).toMatch(/positional/i);
    expect(problemsOf(() => loadConfig({ argv: ['--rtmp-port', 'abc'], env: {} }))).toEqual([
      'rtmp.port must be integer (got "abc") [from --rtmp-port]',
    ]);
  });

  test('an empty file means all defaults', () => {
    const file = tmpFile('e.yaml', '');
    expect(loadConfig({ argv: ['--config', file], env: {} }).config).toEqual(DEFAULT_SERVER_CONFIG);
  });
});

describe('default HLS directory on a workstation', () => {
  const { withUsableHlsDir } = require('../../images/rtmp-server/src/config/hls-dir') as typeof import('../../images/rtmp-server/src/config/hls-dir');
  const base = loadConfig({ argv: [], env: {} }).config;
  const unwritable = { ...base, hls: { ...base.hls, dir: path.join(__filename, 'hls') } }; // below a regular file: never creatable

  test('an unwritable default moves under the temp dir, with a warning', () => {
    const r = withUsableHlsDir(unwritable, {}, '/tmp/x');
    expect(r.config.hls.dir).toMatch(/^\/tmp\/x\/rtmp-server-hls-/);
    expect(r.warning).toMatch(/not writable/);
  });

  test('an explicitly chosen directory is never replaced; a writable one is kept', () => {
    expect(withUsableHlsDir(unwritable, { 'hls.dir': '--hls-dir' }).config).toBe(unwritable);
    const tmpDirCfg = { ...base, hls: { ...base.hls, dir: path.join(os.tmpdir(), 'not-yet-created', 'hls') } };
    expect(withUsableHlsDir(tmpDirCfg, {}).config).toBe(tmpDirCfg);
    expect(fs.existsSync(path.join(os.tmpdir(), 'not-yet-created'))).toBe(false); // checking creates nothing
  });
});
