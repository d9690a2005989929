import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { addCharts, CHARTS } from '../../apps/charts';
import { validateK8s } from './support/k8s-schema';
import { synthApps } from './support/synth';

const apps = synthApps();

describe('app charts', () => {
  test('there is one chart per topology and engine', () => {
    expect(Object.keys(apps).sort()).toEqual(Object.keys(CHARTS).sort());
  });

  test.each(Object.keys(CHARTS))('%s matches its snapshot', (id) => {
    expect(apps[id]).toMatchSnapshot();
  });

  test.each(Object.keys(CHARTS))('%s: every object is valid against the Kubernetes schemas', (id) => {
    expect(apps[id].length).toBeGreaterThan(0);
    for (const obj of apps[id]) {
      expect(() => validateK8s(obj)).not.toThrow();
    }
  });

  test('the schema validator rejects a broken object (it can fail)', () => {
    const broken = JSON.parse(JSON.stringify(apps['edge-cluster'].find((o) => o.kind === 'Deployment')));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'rtmp';
    expect(() => validateK8s(broken)).toThrow(/containerPort/);
    expect(() => validateK8s({ apiVersion: 'v1', kind: 'NoSuchKind' })).toThrow();
  });

  test('dist/ holds exactly what `npm run synth` writes', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-synth-'));
    try {
      const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.yaml' });
      addCharts(app);
      app.synth();
      const dist = path.join(__dirname, '..', '..', 'dist');
      const files = fs.readdirSync(outdir).sort();
      expect(fs.readdirSync(dist).sort()).toEqual(files);
      for (const f of files) {
        expect({ f, text: fs.readFileSync(path.join(dist, f), 'utf8') }).toEqual({ f, text: fs.readFileSync(path.join(outdir, f), 'utf8') });
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
