import * as path from 'path';
import { Yaml } from 'cdk8s';
import { containersOf, find, K8sObject, synthApps } from './support/synth';
import { missingDirectives, parseSrsConf } from './support/srs-conf-parse';

/**
 * With the SRS engine and the guide's names, each chart contains the guide's YAML: every object, port, volume,
 * mount and srs.conf directive (extra production settings are allowed). One deliberate difference: the guide's
 * `srs-cp-files` container (`sleep infinity` after copying) is an init container here, so containers are looked
 * up among containers and init containers, and its command is not compared.
 */
const CASES: [string, string, number][] = [
  ['guide-quick-start.yaml', 'single-origin-srs', 2],
  ['guide-shares-volume-with-nginx.yaml', 'origin-with-nginx-srs', 2],
  ['guide-edge-cluster.yaml', 'edge-cluster-srs', 6],
];

const apps = synthApps();

/** Repository part of an image reference (`nginx:1.27-alpine` -> `nginx`). */
function repository(image: string): string {
  return image.replace(/:[^/:]+$/, '');
}

function expectSubset(label: string, want: Record<string, string> | undefined, have: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(want ?? {})) expect({ label, key: k, value: (have ?? {})[k] }).toEqual({ label, key: k, value: v });
}

function checkWorkload(guide: K8sObject, ours: K8sObject): void {
  const where = `${guide.kind}/${guide.metadata.name}`;
  expect({ where, replicas: ours.spec.replicas }).toEqual({ where, replicas: guide.spec.replicas });
  expectSubset(`${where} selector`, guide.spec.selector.matchLabels, ours.spec.selector.matchLabels);
  expectSubset(`${where} pod labels`, guide.spec.template.metadata.labels, ours.spec.template.metadata.labels);
  for (const vol of guide.spec.template.spec.volumes ?? []) {
    const mine = ours.spec.template.spec.volumes.find((v: any) => v.name === vol.name);
    expect({ where, volume: vol.name, found: !!mine }).toEqual({ where, volume: vol.name, found: true });
    if (vol.emptyDir) expect(mine.emptyDir).toBeDefined();
    if (vol.configMap) expect(mine.configMap.name).toBe(vol.configMap.name);
  }
  for (const gc of guide.spec.template.spec.containers) {
    const c = containersOf(ours).find((x: any) => x.name === gc.name);
    expect({ where, container: gc.name, found: !!c }).toEqual({ where, container: gc.name, found: true });
    expect(repository(c.image)).toBe(repository(gc.image));
    if (gc.imagePullPolicy) expect(c.imagePullPolicy).toBe(gc.imagePullPolicy);
    for (const port of gc.ports ?? []) {
      expect((c.ports ?? []).map((p: any) => p.containerPort)).toContain(port.containerPort);
    }
    for (const m of gc.volumeMounts ?? []) {
      const mine = (c.volumeMounts ?? []).find((x: any) => x.name === m.name && x.mountPath === m.mountPath);
      expect({ where, container: gc.name, mount: m, found: !!mine }).toEqual({ where, container: gc.name, mount: m, found: true });
      if (m.readOnly !== undefined) expect(!!mine.readOnly).toBe(m.readOnly);
    }
  }
}

function checkService(guide: K8sObject, ours: K8sObject): void {
  expect(ours.spec.type).toBe(guide.spec.type);
  expect(ours.spec.selector).toEqual(guide.spec.selector);
  for (const port of guide.spec.ports) {
    expect(ours.spec.ports).toContainEqual(port);
  }
}

function checkConfigMap(guide: K8sObject, ours: K8sObject): void {
  for (const [key, text] of Object.entries(guide.data as Record<string, string>)) {
    expect(Object.keys(ours.data)).toContain(key);
    if (key.endsWith('.conf')) {
      expect(missingDirectives(parseSrsConf(text), parseSrsConf(ours.data[key]))).toEqual([]);
    } else {
      expect(ours.data[key]).toBe(text);
    }
  }
}

describe.each(CASES)('%s is contained in dist chart %s', (fixture, chartId, count) => {
  const guide = Yaml.load(path.join(__dirname, 'fixtures', fixture)).filter((d) => d) as K8sObject[];
  const ours = apps[chartId];

  test(`the fixture holds the guide's ${count} objects`, () => {
    expect(guide).toHaveLength(count);
  });

  test.each(guide.map((g) => [`${g.kind}/${g.metadata.name}`, g] as [string, K8sObject]))('%s', (_label, g) => {
    const mine = find(ours, g.kind, g.metadata.name);
    expectSubset(`${g.kind}/${g.metadata.name} labels`, g.metadata.labels, mine.metadata.labels);
    if (g.kind === 'Deployment') checkWorkload(g, mine);
    else if (g.kind === 'Service') checkService(g, mine);
    else if (g.kind === 'ConfigMap') checkConfigMap(g, mine);
    else throw new Error(`no containment rule for ${g.kind}`);
  });
});

describe('the containment check can fail', () => {
  test('a missing srs.conf directive is reported with its path', () => {
    const want = parseSrsConf('vhost __defaultVhost__ { cluster { mode remote; origin srs-origin-service; } }');
    const have = parseSrsConf('vhost __defaultVhost__ { cluster { mode remote; origin elsewhere; } }');
    expect(missingDirectives(want, have)).toEqual(['vhost __defaultVhost__ > cluster > origin srs-origin-service']);
  });

  test('the SRS edge config in dist points at the origin Service', () => {
    const conf = parseSrsConf(find(apps['edge-cluster-srs'], 'ConfigMap', 'srs-edge-config').data['srs.conf']);
    const cluster = conf.find((d) => d.name === 'vhost')!.block!.find((d) => d.name === 'cluster')!;
    expect(cluster.block).toContainEqual({ name: 'origin', args: ['srs-origin-service'] });
  });
});
