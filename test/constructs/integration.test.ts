import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../images/rtmp-server/src/config/load';
import { EdgeCluster, OriginCluster, RelayCluster, ServerEngine, SingleOrigin } from '../../lib';
import { find, K8sObject, synth } from './support/synth';
import { missingDirectives, ParsedDirective, parseSrsConf } from './support/srs-conf-parse';

/**
 * The `hooks` and `forward` props: rendered into every companion config the topology needs (and accepted by the
 * server's own loader), into srs.conf `http_hooks` / `forward` for SRS (still containing the guide's directives),
 * split by role behind a relay, and refused at synth time with the prop named when bad.
 */
const HOOKS = {
  onPublish: ['http://backend.platform:8085/api/v1/streams'],
  onPlay: ['https://backend.platform/api/v1/sessions?token=t'],
  onUnpublish: ['http://backend.platform:8085/api/v1/streams'],
  onHls: ['http://backend.platform:8085/api/v1/hls'],
  timeoutMs: 1500,
  failOpen: true,
};
const FORWARD = { destinations: ['rtmp://backup.platform:1935/[app]/[stream]'] };

function companionConfigs(objects: K8sObject[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (const o of objects.filter((x) => x.kind === 'ConfigMap' && x.data?.['rtmp-server.yaml'])) {
    const text = o.data['rtmp-server.yaml'];
    // The server's own loader accepts it (schema + cross-field checks), as the image would at start.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-hooks-'));
    try {
      fs.writeFileSync(path.join(dir, 'c.yaml'), text);
      loadConfig({ argv: ['--config', path.join(dir, 'c.yaml')], env: {} });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    out[o.metadata.name] = parseYaml(text);
  }
  return out;
}

function vhostOf(conf: ParsedDirective[]): ParsedDirective[] {
  return conf.find((d) => d.name === 'vhost')!.block!;
}

describe('companion engine', () => {
  test('SingleOrigin renders hooks and forward into the server config', () => {
    const configs = companionConfigs(synth((c) => new SingleOrigin(c, 'S', { hooks: HOOKS, forward: FORWARD })));
    const cfg = configs['rtmp-config'] ?? Object.values(configs)[0];
    expect(cfg.hooks).toMatchObject({ ...HOOKS, onConnect: [], onStop: [], onDvr: [], retries: 2, backoffMs: 500 });
    expect(cfg.forward).toEqual(FORWARD);
  });

  test('EdgeCluster: origin and edges get the hooks (edges admit players; publishes are decided by the origin)', () => {
    const configs = Object.values(companionConfigs(synth((c) => new EdgeCluster(c, 'E', { hooks: HOOKS, forward: FORWARD }))));
    expect(configs.map((c) => c.mode).sort()).toEqual(['edge', 'origin']);
    for (const c of configs) expect(c.hooks.onPlay).toEqual(HOOKS.onPlay);
    for (const c of configs) expect(c.hooks.onPublish).toEqual(HOOKS.onPublish);
    // Forwarding happens where publishes land: the origin; edges carry no destinations (nor their keys).
    expect(configs.find((c) => c.mode === 'origin').forward).toEqual(FORWARD);
    expect(configs.find((c) => c.mode === 'edge').forward.destinations).toEqual([]);
  });

  test('RelayCluster: the relay admits and forwards publishes; the servers behind it keep only player-side hooks', () => {
    const configs = Object.values(companionConfigs(synth((c) => new RelayCluster(c, 'R', { hooks: HOOKS, forward: FORWARD }))));
    const relay = configs.find((c) => c.mode === 'relay');
    const server = configs.find((c) => c.mode === 'origin');
    expect(relay.hooks.onPublish).toEqual(HOOKS.onPublish);
    expect(relay.forward).toEqual(FORWARD);
    expect(server.hooks).toMatchObject({ onPublish: [], onUnpublish: [], onConnect: [], onPlay: HOOKS.onPlay, onHls: HOOKS.onHls });
    expect(server.forward.destinations).toEqual([]);
  });

  test('without the props nothing changes (the configs equal those of a construct without them)', () => {
    const a = synth((c) => new OriginCluster(c, 'O', {}));
    const b = synth((c) => new OriginCluster(c, 'O', { hooks: undefined, forward: undefined }));
    expect(b).toEqual(a);
  });
});

describe('SRS engine', () => {
  const objects = synth((c) => new EdgeCluster(c, 'E', { name: 'srs', engine: ServerEngine.srs(), hooks: HOOKS, forward: FORWARD }));
  const origin = parseSrsConf(find(objects, 'ConfigMap', 'srs-origin-config').data['srs.conf']);
  const edge = parseSrsConf(find(objects, 'ConfigMap', 'srs-edge-config').data['srs.conf']);

  test('the same props render as http_hooks (SRS event names) and forward destination host:port', () => {
    const hooks = vhostOf(origin).find((d) => d.name === 'http_hooks')!;
    expect(hooks.block).toEqual([
      { name: 'enabled', args: ['on'] },
      { name: 'on_publish', args: HOOKS.onPublish },
      { name: 'on_unpublish', args: HOOKS.onUnpublish },
      { name: 'on_play', args: HOOKS.onPlay },
      { name: 'on_hls', args: HOOKS.onHls },
    ]);
    expect(vhostOf(origin).find((d) => d.name === 'forward')!.block).toContainEqual({ name: 'destination', args: ['backup.platform:1935'] });
    expect(vhostOf(edge).find((d) => d.name === 'http_hooks')).toBeDefined();
    expect(vhostOf(edge).find((d) => d.name === 'forward')).toBeUndefined();
  });

  test("the chart with hooks still contains the guide's srs.conf directives, and differs from the guide's chart only there", () => {
    const guide = Yaml.load(path.join(__dirname, 'fixtures', 'guide-edge-cluster.yaml')).filter((d) => d) as K8sObject[];
    const [g] = guide.filter((x) => x.kind === 'ConfigMap');
    const mine = find(objects, 'ConfigMap', g.metadata.name).data['srs.conf'];
    expect(mine).toContain('http_hooks');
    expect(missingDirectives(parseSrsConf(g.data['srs.conf']), parseSrsConf(mine))).toEqual([]);
    // Everything else (workloads, Services: what guide-containment.test.ts checks on the dist chart) is unchanged.
    const plain = synth((c) => new EdgeCluster(c, 'E', { name: 'srs', engine: ServerEngine.srs() }));
    const strip = (os: K8sObject[]) => JSON.parse(JSON.stringify(os.filter((o) => o.kind !== 'ConfigMap'))
      .replace(/"rtmp-k8s.io\/config-sha256":"[0-9a-f]+"/g, '"rtmp-k8s.io/config-sha256":"x"'));
    expect(strip(objects)).toEqual(strip(plain));
  });

  test('a relay merges forward destinations into its forward block', () => {
    const relay = synth((c) => new RelayCluster(c, 'R', { name: 'srs', engine: ServerEngine.srs(), forward: FORWARD }));
    const conf = relay.filter((o) => o.kind === 'ConfigMap').map((o) => parseSrsConf(o.data['srs.conf']));
    const forwards = conf.map((c) => vhostOf(c).find((d) => d.name === 'forward')).filter(Boolean);
    expect(forwards).toHaveLength(1); // on the relay only
    expect(forwards[0]!.block!.find((d) => d.name === 'destination')!.args).toContain('backup.platform:1935');
  });
});

describe('bad props fail at synth time naming the prop', () => {
  const build = (f: (c: Chart) => void) => () => f(Testing.chart());
  test.each([
    [{ hooks: { onPublish: ['ftp://backend/x'] } }, "SingleOrigin 'hooks.onPublish[0]' must use http:// or https://, not ftp://"],
    [{ hooks: { onPlay: ['not a url'] } }, "SingleOrigin 'hooks.onPlay[0]' must be an absolute http:// or https:// URL"],
    [{ hooks: { timeoutMs: 0 } }, "SingleOrigin 'hooks.timeoutMs' must be an integer in 1-8000, got 0"],
    [{ hooks: { retries: -1 } }, "SingleOrigin 'hooks.retries' must be an integer in 0-10, got -1"],
    [{ forward: { destinations: ['http://x/[app]/[stream]'] } }, "SingleOrigin 'forward.destinations[0]' must use rtmp:// or rtmps://, not http://"],
    [{ forward: { destinations: ['rtmp://x/[app]/[name]'] } }, "SingleOrigin 'forward.destinations[0]' has unknown placeholder [name]"],
    [{ forward: { destinations: ['rtmp://x/onlyapp'] } }, "SingleOrigin 'forward.destinations[0]' must have the form rtmp[s]://host[:port]/app/stream"],
  ])('%j', (props, message) => {
    expect(build((c) => new SingleOrigin(c, 'S', props as any))).toThrow(message);
  });

  test('SRS cannot forward to rtmps or another stream name', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { engine: ServerEngine.srs(), forward: { destinations: ['rtmps://yt/live2/KEY'] } })))
      .toThrow("SrsEngine cannot render 'forward.destinations[0]': SRS forwards only to rtmp://host[:port]/[app]/[stream]");
  });
});
