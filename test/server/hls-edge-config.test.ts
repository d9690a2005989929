// Where an edge fetches HLS: edge.originsHttp from file, env or --origin-http, else the edge.origins hosts on
// http.port; a bad address or a cache smaller than 1 MiB is refused naming the field.
import { edgeHttpOrigins } from '../../lib/server-config';
import { ConfigError } from '../../images/rtmp-server/src/config/errors';
import { loadConfig } from '../../images/rtmp-server/src/config/load';

const load = (argv: string[], env: Record<string, string> = {}) => loadConfig({ argv, env }).config;

test('default: the edge.origins hosts on this server\'s http.port', () => {
  expect(edgeHttpOrigins(load(['--mode', 'edge', '--origin', 'origin-svc:1935,10.0.0.2:1936']))).toEqual(['origin-svc:8080', '10.0.0.2:8080']);
  expect(edgeHttpOrigins(load(['--mode', 'edge', '--origin', '[::1]:1935', '--http-port', '9000']))).toEqual(['[::1]:9000']);
});

test('--origin-http and RTMP_SERVER_EDGE_ORIGINS_HTTP set edge.originsHttp; the flag wins', () => {
  const viaFlag = load(['--mode', 'edge', '--origin', 'o:1935', '--origin-http', 'o:8081,p:8082']);
  expect(viaFlag.edge.originsHttp).toEqual(['o:8081', 'p:8082']);
  expect(edgeHttpOrigins(viaFlag)).toEqual(['o:8081', 'p:8082']);
  expect(load(['--mode', 'edge', '--origin', 'o:1935'], { RTMP_SERVER_EDGE_ORIGINS_HTTP: 'e:1' }).edge.originsHttp).toEqual(['e:1']);
  expect(load(['--mode', 'edge', '--origin', 'o:1935', '--origin-http', 'f:2'], { RTMP_SERVER_EDGE_ORIGINS_HTTP: 'e:1' }).edge.originsHttp).toEqual(['f:2']);
});

test('bad values are refused naming the field', () => {
  const problems = (argv: string[], env: Record<string, string> = {}) => {
    try { load(argv, env); } catch (e) { if (e instanceof ConfigError) return e.problems.join('\n'); throw e; }
    return '';
  };
  expect(problems(['--mode', 'edge', '--origin', 'o:1935', '--origin-http', 'no-port'])).toMatch(/edge\.originsHttp/);
  expect(problems(['--mode', 'edge', '--origin', 'o:1935'], { RTMP_SERVER_EDGE_HLS_CACHE_BYTES: '1000' })).toMatch(/edge\.hlsCacheBytes/);
});
