// Kicking clients through the API is off by default in what the constructs deploy; `apiTokenSecret` turns it on
// with a bearer token read from a Secret (never written into the ConfigMap).
import { parse } from 'yaml';
import { EdgeCluster, ServerEngine, SingleOrigin } from '../../lib';
import { find, synth } from './support/synth';

const load = (text: string) => parse(text);

test('default: the rendered config has kicking off, reads-only CORS, no token variable', () => {
  const out = synth((c) => new SingleOrigin(c, 'S'));
  const config = load(find(out, 'ConfigMap', 'rtmp-config').data['rtmp-server.yaml']);
  expect(config.api).toEqual({ port: 1985, allowKick: false, token: '', corsOrigins: [] });
  const server = find(out, 'Deployment', 'rtmp-deployment').spec.template.spec.containers[0];
  expect(server.env ?? []).toEqual([]);
});

test('apiTokenSecret: the token comes from the Secret as RTMP_SERVER_API_TOKEN, on every server pod', () => {
  const engine = ServerEngine.companion({
    apiTokenSecret: { name: 'rtmp-api', key: 'token' },
    serverConfig: { api: { corsOrigins: ['https://ops.example.com'] } },
  });
  const out = synth((c) => new EdgeCluster(c, 'E', { engine }));
  for (const name of ['rtmp-origin-deploy', 'rtmp-edge-deploy']) {
    const server = find(out, 'Deployment', name).spec.template.spec.containers.find((c: any) => c.name === 'rtmp-server');
    expect(server.env).toEqual([{ name: 'RTMP_SERVER_API_TOKEN', valueFrom: { secretKeyRef: { name: 'rtmp-api', key: 'token' } } }]);
  }
  const configMaps = out.filter((o) => o.kind === 'ConfigMap' && o.data?.['rtmp-server.yaml']);
  expect(configMaps.length).toBe(2);
  for (const cm of configMaps) {
    const config = load(cm.data['rtmp-server.yaml']);
    expect(config.api.token).toBe('');
    expect(config.api.corsOrigins).toEqual(['https://ops.example.com']);
  }
});

test('a bad apiTokenSecret fails at synth, naming the prop', () => {
  expect(() => ServerEngine.companion({ apiTokenSecret: { name: 'Bad_Name', key: 'token' } }))
    .toThrow(`CompanionEngine 'apiTokenSecret.name' must be a Secret name (DNS-1123 subdomain), got "Bad_Name"`);
  expect(() => ServerEngine.companion({ apiTokenSecret: { name: 'ok', key: 'a/b' } }))
    .toThrow(`CompanionEngine 'apiTokenSecret.key' must be a Secret key ([-._a-zA-Z0-9]+), got "a/b"`);
});
