// Gray release: the canary track's invariants (one Service over both tracks, Deployments that differ only where
// the canary says, separate PDBs and config hashes), its synth-time errors, and the default image's version.
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import {
  CONFIG_HASH_ANNOTATION,
  DEFAULT_COMPANION_IMAGE,
  EdgeCluster,
  OriginCluster,
  OriginWithNginx,
  PACKAGE_VERSION,
  RelayCluster,
  ServerEngine,
  SingleOrigin,
  TRACK_LABEL,
} from '../../lib';
import { validateK8s } from './support/k8s-schema';
import { find, K8sObject, selects, synth, workloads } from './support/synth';

const NEW_IMAGE = 'registry.example.com/rtmp-server:0.2.0';
const canary = { engine: ServerEngine.companion({ image: NEW_IMAGE, serverConfig: { log: { level: 'debug' as const } } }), replicas: 2 };

const podLabels = (w: K8sObject): Record<string, string> => w.spec.template.metadata.labels;
const selectedBy = (objects: K8sObject[], selector: Record<string, string>) =>
  workloads(objects).filter((w) => selects(selector, podLabels(w))).map((w) => w.metadata.name).sort();

/** A workload with everything the canary may change blanked out. */
function normalized(w: K8sObject): any {
  const c = JSON.parse(JSON.stringify(w));
  delete c.metadata.name;
  delete c.spec.replicas;
  delete c.spec.selector.matchLabels[TRACK_LABEL];
  delete c.spec.template.metadata.labels[TRACK_LABEL];
  delete c.spec.template.metadata.labels['cdk8s.io/metadata.addr'];
  delete c.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
  for (const ct of c.spec.template.spec.containers) delete ct.image;
  for (const v of c.spec.template.spec.volumes) if (v.configMap) delete v.configMap.name;
  return c;
}

describe.each([
  ['EdgeCluster', (ch: Chart) => new EdgeCluster(ch, 'E', { canary }), 'rtmp-edge-service', 'rtmp-edge-deploy', 'Deployment', 'rtmp-edge-pdb', 'rtmp-edge-config'],
  ['OriginCluster', (ch: Chart) => new OriginCluster(ch, 'O', { canary }), 'rtmp-edge-service', 'rtmp-edge-deploy', 'Deployment', 'rtmp-edge-pdb', 'rtmp-edge-config'],
  ['RelayCluster', (ch: Chart) => new RelayCluster(ch, 'R', { canary }), 'rtmp-viewer-service', 'rtmp-server', 'StatefulSet', 'rtmp-server-pdb', 'rtmp-server-config'],
])('%s with a canary', (_owner, build, serviceName, stableName, kind, pdbName, configName) => {
  const objects = synth(build);
  const stable = find(objects, kind, stableName);
  const cany = find(objects, kind, `${stableName}-canary`);

  test('one Service selects both tracks, each workload only its own track', () => {
    const svc = find(objects, 'Service', serviceName);
    expect(svc.spec.selector[TRACK_LABEL]).toBeUndefined();
    expect(selectedBy(objects, svc.spec.selector)).toEqual([stableName, `${stableName}-canary`].sort());
    expect(selectedBy(objects, stable.spec.selector.matchLabels)).toEqual([stableName]);
    expect(selectedBy(objects, cany.spec.selector.matchLabels)).toEqual([`${stableName}-canary`]);
    expect(podLabels(stable)[TRACK_LABEL]).toBe('stable');
    expect(podLabels(cany)[TRACK_LABEL]).toBe('canary');
  });

  test('the workloads differ only where the canary says (image, replicas, config), each with its own ConfigMap and hash', () => {
    expect(normalized(cany)).toEqual(normalized(stable));
    expect(cany.spec.replicas).toBe(2);
    expect(cany.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    expect(stable.spec.template.spec.containers[0].image).toBe(DEFAULT_COMPANION_IMAGE);
    const stableCm = find(objects, 'ConfigMap', configName);
    const canaryCm = find(objects, 'ConfigMap', `${configName}-canary`);
    expect(canaryCm.data['rtmp-server.yaml']).toContain('level: debug');
    expect(stableCm.data['rtmp-server.yaml']).toContain('level: info');
    const hash = (w: K8sObject) => w.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    expect(hash(cany)).not.toBe(hash(stable));
    // Same probes, preStop drain and grace period on both tracks (compared in full above; spot-check they exist).
    expect(cany.spec.template.spec.containers[0].lifecycle.preStop.httpGet.path).toBe('/prestop');
    expect(cany.spec.template.spec.terminationGracePeriodSeconds).toBe(stable.spec.template.spec.terminationGracePeriodSeconds);
  });

  test('each track has its own PodDisruptionBudget, and no pod is under two', () => {
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    expect(workloads(objects).filter((x) => podLabels(x)[TRACK_LABEL]).length).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', pdbName).spec.selector.matchLabels[TRACK_LABEL]).toBe('stable');
    expect(find(objects, 'PodDisruptionBudget', `${pdbName}-canary`).spec.selector.matchLabels[TRACK_LABEL]).toBe('canary');
    for (const w of workloads(objects).filter((x) => podLabels(x)[TRACK_LABEL])) {
      expect({ w: w.metadata.name, pdbs: pdbs.filter((p) => selects(p.spec.selector.matchLabels, podLabels(w))).length })
        .toEqual({ w: w.metadata.name, pdbs: 1 });
    }
  });

  test('every object passes the Kubernetes schemas', () => {
    for (const obj of objects) expect(() => validateK8s(obj)).not.toThrow();
  });
});

describe('without a canary', () => {
  test('the stable workload already carries `track: stable`, so adding a canary keeps its (immutable) selector', () => {
    const before = find(synth((c) => new EdgeCluster(c, 'E')), 'Deployment', 'rtmp-edge-deploy');
    const after = find(synth((c) => new EdgeCluster(c, 'E', { canary })), 'Deployment', 'rtmp-edge-deploy');
    expect(before.spec.selector).toEqual(after.spec.selector);
    expect(before.spec.selector.matchLabels).toEqual({ app: 'rtmp-edge', track: 'stable' });
    // Promote/roll back = drop `canary`: the stable Deployment is byte-identical with and without a canary.
    expect(before).toEqual(after);
  });

  test('the relay pushes to the canary servers too: SRS gets their pod names, the companion the headless name', () => {
    const srs = synth((c) => new RelayCluster(c, 'R', { engine: ServerEngine.srs(), canary: { replicas: 1 } }));
    const relayConf = find(srs, 'ConfigMap', 'rtmp-relay-config').data['srs.conf'];
    expect(relayConf).toContain('rtmp-server-canary-0.rtmp-server-headless:1935');
    expect(relayConf).toContain('rtmp-server-1.rtmp-server-headless:1935');
    const companion = synth((c) => new RelayCluster(c, 'R', { canary: { replicas: 1 } }));
    const plain = synth((c) => new RelayCluster(c, 'R'));
    expect(find(companion, 'ConfigMap', 'rtmp-relay-config')).toEqual(find(plain, 'ConfigMap', 'rtmp-relay-config'));
  });
});

describe('canary errors at synth time', () => {
  const build = (f: (c: Chart) => void) => () => f(Testing.chart());

  test('replica count < 1 or not an integer', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { canary: { replicas: 0 } })))
      .toThrow("EdgeCluster 'canary.replicas' must be an integer >= 1, got 0");
    expect(build((c) => new RelayCluster(c, 'R', { canary: { replicas: 1.5 } })))
      .toThrow("RelayCluster 'canary.replicas' must be an integer >= 1, got 1.5");
  });

  test('a topology without a viewer pool takes no canary', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { canary: {} } as any)))
      .toThrow(/^SingleOrigin has no 'canary': its one origin pod holds every stream/);
    expect(build((c) => new OriginWithNginx(c, 'O', { canary: { replicas: 1 } } as any)))
      .toThrow(/^OriginWithNginx has no 'canary'/);
  });

  test('canary engine ports differing from the stable ones', () => {
    const other = ServerEngine.companion({ serverConfig: { http: { port: 8081 } } });
    expect(build((c) => new OriginCluster(c, 'O', { canary: { engine: other } })))
      .toThrow("OriginCluster 'canary.engine' ports (rtmp 1935, http 8081, api 1985) must equal the 'engine' ports (rtmp 1935, http 8080, api 1985): one Service forwards to both tracks");
  });

  test('canary names too long, bad resources, not an object', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { names: { edgeDeployment: 'e'.repeat(60) }, canary: {} })))
      .toThrow(`EdgeCluster 'canary' must be a DNS-1123 label`);
    expect(build((c) => new EdgeCluster(c, 'E', { canary: { resources: { cpuLimitMillis: 100 } } })))
      .toThrow("EdgeCluster 'canary.resources.cpuLimitMillis' (100) must be >= 'canary.resources.cpuRequestMillis' (500)");
    expect(build((c) => new EdgeCluster(c, 'E', { canary: 3 as any })))
      .toThrow("EdgeCluster 'canary' must be an object { engine?, replicas?, resources? }, got 3");
  });
});

describe('default image', () => {
  test('is the name the image workflow publishes, tagged with the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(PACKAGE_VERSION).toBe(pkg.version);
    expect(DEFAULT_COMPANION_IMAGE).toBe(`ghcr.io/rtmp-k8s/rtmp-server:${pkg.version}`);
    const workflow = fs.readFileSync(path.join(__dirname, '..', '..', '.github', 'workflows', 'image.yml'), 'utf8');
    expect(workflow).toContain('ghcr.io/rtmp-k8s/rtmp-server');
  });

  test('dist/ points at it everywhere the companion runs', () => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    const images = new Set<string>();
    for (const f of fs.readdirSync(dist)) {
      for (const m of fs.readFileSync(path.join(dist, f), 'utf8').matchAll(/image: (\S*rtmp-server\S*)/g)) images.add(m[1]);
    }
    expect([...images]).toEqual([DEFAULT_COMPANION_IMAGE]);
  });
});
