// The real bundle refuses each invalid config with exit code 2 and a message naming the field (and source).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVER_ENTRY } from '../helpers/server-process';

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [SERVER_ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 15000,
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-config-invalid-'));
function file(name: string, yaml: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, yaml);
  return f;
}

describe('invalid config → exit 2, field named', () => {
  const portFile = file('port.yaml', 'rtmp:\n  port: 70000\n');
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['port out of range in the file', ['--config', portFile], {},
      new RegExp(`^config error: rtmp\\.port must be <= 65535 \\(got 70000\\) \\[from ${portFile}\\]$`, 'm')],
    ['unknown field in the file', ['--config', file('typo.yaml', 'hls:\n  windowSecs: 5\n')], {},
      /^config error: hls\.windowSecs is not a known setting/m],
    ['wrong type in the file', ['--config', file('type.yaml', 'api:\n  allowKick: "sometimes"\n')], {},
      /^config error: api\.allowKick must be boolean \(got "sometimes"\)/m],
    ['bad mode flag', ['--mode', 'proxy'], {}, /^config error: mode must be one of origin, edge, relay \(got "proxy"\) \[from --mode\]$/m],
    ['edge without origins', ['--mode', 'edge'], {}, /^config error: edge\.origins is empty/m],
    ['origin that is not host:port', ['--mode', 'edge', '--origin', 'origin.svc'], {},
      /^config error: edge\.origins\[0\] must be HOST:PORT \(got "origin\.svc"\) \[from --origin\]$/m],
    ['relay without targets', ['--mode', 'relay'], {}, /^config error: relay\.targets is empty/m],
    ['non-numeric port from env', [], { RTMP_SERVER_HTTP_PORT: 'eighty' },
      /^config error: http\.port must be integer \(got "eighty"\) \[from env RTMP_SERVER_HTTP_PORT\]$/m],
    ['two listeners on one port', ['--rtmp-port', '8080'], {}, /^config error: rtmp\.port and http\.port are both 8080/m],
    ['window shorter than a fragment', [], { RTMP_SERVER_HLS_WINDOW_SECONDS: '1', RTMP_SERVER_HLS_FRAGMENT_SECONDS: '4' },
      /^config error: hls\.windowSeconds \(1\) must be at least hls\.fragmentSeconds \(4\)/m],
    ['missing config file', ['--config', path.join(dir, 'missing.yaml')], {}, /^config error: cannot read .*missing\.yaml/m],
    ['YAML syntax error', ['--config', file('syntax.yaml', 'rtmp: {port: 1935\n')], {}, /^config error: cannot parse .*syntax\.yaml/m],
    ['unknown flag', ['--rtmp_port', '1'], {}, /^config error: Unknown option '--rtmp_port'/m],
  ];

  test.each(cases)('%s', (_name, args, env, message) => {
    const r = run(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('--version and --help exit 0 without starting', () => {
    const v = run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--config FILE/);
  });
});
