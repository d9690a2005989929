// examples/<cloud> as a user gets them: the library packed with `npm pack` and installed from the tarball (not a
// path link) next to each example's other dependencies; every example's main.ts type-checks against the packed
// typings (one tsc run, each example's tsconfig options), then each example's cdk8s app (the `app` command of its
// cdk8s.yaml, what `npx cdk8s synth` runs; ts-node told to skip the check tsc just did) synthesizes, and every
// object it writes passes the Kubernetes schemas. Needs `npm run build` first (the tarball holds build/lib) and the
// npm registry for the examples' other dependencies (the local npm cache is tried first).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';
import { validateK8s } from '../constructs/support/k8s-schema';

const REPO = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(REPO, 'examples');
const CLOUDS = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'package.json'))).sort();
/** Dev dependencies the test does not install: the cdk8s CLI only runs the `app` command, which the test runs itself. */
const NOT_INSTALLED = new Set(['cdk8s-cli']);

let work: string;
let tarball: string;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300000, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-examples-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], REPO))[0];
  tarball = path.join(work, packed.filename);
  fs.cpSync(EXAMPLES, path.join(work, 'examples'), { recursive: true });
  // One install for all examples (they share the same dependency set; node resolves it from the parent folder).
  const deps = new Set<string>();
  for (const c of CLOUDS) {
    const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLES, c, 'package.json'), 'utf8'));
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (name !== 'rtmp-k8s' && !NOT_INSTALLED.has(name)) deps.add(`${name}@${range}`);
    }
  }
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'examples-under-test', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball, ...deps], work);
}, 600000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('there is an example for every target of the guide', () => {
  expect(CLOUDS).toEqual(['ack', 'aks', 'eks', 'generic', 'gke', 'tke']);
});

test('the library is installed from the packed tarball: a real copy with build/lib, no link into the repository', () => {
  const installed = path.join(work, 'node_modules', 'rtmp-k8s');
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
  expect(fs.existsSync(path.join(installed, 'build', 'lib', 'index.d.ts'))).toBe(true);
  expect(fs.existsSync(path.join(installed, 'lib'))).toBe(false); // only the built files are published
  const lock = JSON.parse(fs.readFileSync(path.join(work, 'package-lock.json'), 'utf8'));
  expect(lock.packages['node_modules/rtmp-k8s'].resolved).toMatch(/^file:rtmp-k8s-.*\.tgz$/);
});

test('every example type-checks against the packed library', () => {
  const options = JSON.parse(fs.readFileSync(path.join(EXAMPLES, CLOUDS[0], 'tsconfig.json'), 'utf8')).compilerOptions;
  for (const c of CLOUDS) expect(JSON.parse(fs.readFileSync(path.join(EXAMPLES, c, 'tsconfig.json'), 'utf8')).compilerOptions).toEqual(options);
  fs.writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...options, noEmit: true }, include: ['examples/*/main.ts'] }));
  run(path.join(work, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], work);
  // It can fail: a wrong prop is a type error.
  fs.writeFileSync(path.join(work, 'examples', 'broken.ts'), "import { EdgeCluster } from 'rtmp-k8s';\nexport const p: ConstructorParameters<typeof EdgeCluster>[2] = { edgeReplica: 3 };\n");
  fs.writeFileSync(path.join(work, 'tsconfig.broken.json'), JSON.stringify({ compilerOptions: { ...options, noEmit: true }, include: ['examples/broken.ts'] }));
  let out = '';
  try {
    run(path.join(work, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.broken.json'], work);
  } catch (e) {
    out = String((e as { stdout?: string }).stdout);
  }
  expect(out).toMatch(/'edgeReplica' does not exist/);
}, 120000);

/** The annotation each example's public Services carry, without and with the shared load balancer ids. */
const LB_ANNOTATION: Record<string, [string | undefined, string | undefined]> = {
  generic: [undefined, undefined],
  eks: ['service.beta.kubernetes.io/aws-load-balancer-type', 'service.beta.kubernetes.io/aws-load-balancer-type'],
  gke: ['cloud.google.com/l4-rbs', 'cloud.google.com/l4-rbs'],
  aks: ['service.beta.kubernetes.io/azure-pip-name', 'service.beta.kubernetes.io/azure-pip-name'],
  ack: ['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type', 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id'],
  tke: [undefined, 'service.kubernetes.io/tke-existed-lbid'],
};

/** The shared load balancer variants: the ids the ACK, TKE and AKS examples read. */
const SHARED_LB_ENV = { SLB_ID: 'lb-test', TKE_LB_ID: 'lb-test', AZURE_PIP_NAME: 'rtmp-test-ip' };

describe.each(CLOUDS)('examples/%s', (cloud) => {
  const dir = () => path.join(work, 'examples', cloud);

  test('imports rtmp-k8s by package name only', () => {
    const main = fs.readFileSync(path.join(EXAMPLES, cloud, 'main.ts'), 'utf8');
    const from = [...main.matchAll(/from '([^']+)'/g)].map((m) => m[1]).sort();
    expect(from).toEqual(['cdk8s', 'rtmp-k8s']);
    for (const f of ['README.md', 'cdk8s.yaml', 'tsconfig.json', '.github/workflows/deploy.yml']) {
      expect(fs.existsSync(path.join(EXAMPLES, cloud, f))).toBe(true);
    }
  });

  test.each([['default', {}], ['with the demo publisher and the shared load balancer ids', { DEMO: '1', ...SHARED_LB_ENV }]] as const)('synthesizes (%s) and passes the Kubernetes schemas', (_label, env) => {
    const app = /^app:\s*(.+)$/m.exec(fs.readFileSync(path.join(dir(), 'cdk8s.yaml'), 'utf8'))![1].trim().split(/\s+/);
    const outdir = path.join(dir(), 'dist');
    fs.rmSync(outdir, { recursive: true, force: true });
    run(app[0], app.slice(1), dir(), { ...env, CDK8S_OUTDIR: outdir, TS_NODE_TRANSPILE_ONLY: 'true' });
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(['rtmp.k8s.yaml']);
    const objects = Yaml.load(path.join(outdir, files[0])) as { apiVersion: string; kind: string; metadata: { name: string } }[];
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort())
      .toEqual(['DEMO' in env ? ['rtmp-demo-publisher'] : [], 'rtmp-edge-deploy', 'rtmp-origin-deploy'].flat().sort());
    for (const o of objects) expect(() => validateK8s(o)).not.toThrow();
    // The cloud's load balancer settings are on every public Service.
    const lbs = objects.filter((o: any) => o.kind === 'Service' && o.spec.type === 'LoadBalancer') as any[];
    expect(lbs.map((o) => o.metadata.name).sort()).toEqual(['rtmp-edge-service']); // HLS goes through the edges too
    const key = LB_ANNOTATION[cloud]['SLB_ID' in env ? 1 : 0];
    for (const svc of lbs) {
      if (key) expect(Object.keys(svc.metadata.annotations ?? {})).toContain(key);
      else if (cloud === 'generic') expect(svc.spec.externalTrafficPolicy).toBe('Local');
      else expect(svc.metadata.annotations ?? {}).toEqual({}); // TKE without an id: TKE's own public CLB per Service
    }
  });
});
