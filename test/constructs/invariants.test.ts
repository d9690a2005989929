import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Yaml } from 'cdk8s';
import {
  CONFIG_HASH_ANNOTATION,
  EdgePool,
  OriginCluster,
  RelayCluster,
  DEFAULT_SERVER_CONFIG,
  EdgeCluster,
  ExternalTrafficPolicy,
  OriginWithNginx,
  SERVER_CONFIG_PATH,
  ServerEngine,
  SharedLoadBalancer,
  SingleOrigin,
} from '../../lib';
import { configHash } from '../../lib/parts/config-hash';
import { containersOf, find, K8sObject, selects, synth, synthApps, workloads } from './support/synth';

const apps = synthApps();

/** Which workload each Service of each app chart must select (and nothing else). */
const INTENDED: Record<string, Record<string, string>> = {
  'single-origin': { 'rtmp-service': 'rtmp-deployment' },
  'single-origin-srs': { 'srs-service': 'srs-deployment' },
  'origin-with-nginx': { 'rtmp-origin-service': 'rtmp-deploy' },
  'origin-with-nginx-srs': { 'srs-origin-service': 'srs-deploy' },
  'edge-cluster': {
    'rtmp-origin-service': 'rtmp-origin-deploy',
    'rtmp-edge-service': 'rtmp-edge-deploy',
  },
  'edge-cluster-srs': {
    'srs-origin-service': 'srs-origin-deploy',
    'srs-http-service': 'srs-origin-deploy',
    'srs-edge-service': 'srs-edge-deploy',
  },
  'relay-cluster': {
    'rtmp-relay-service': 'rtmp-relay-deploy',
    'rtmp-server-headless': 'rtmp-server',
    'rtmp-viewer-service': 'rtmp-server',
  },
  'relay-cluster-srs': {
    'srs-relay-service': 'srs-relay-deploy',
    'srs-server-headless': 'srs-server',
    'srs-viewer-service': 'srs-server',
  },
  'origin-cluster': {
    'rtmp-origin-headless': 'rtmp-origin',
    'rtmp-edge-service': 'rtmp-edge-deploy',
  },
  'origin-cluster-srs': {
    'srs-origin-headless': 'srs-origin',
    'srs-edge-service': 'srs-edge-deploy',
  },
  'single-origin-tls-recording': { 'rtmp-service': 'rtmp-deployment' },
  'origin-cluster-tls-recording': {
    'rtmp-origin-headless': 'rtmp-origin',
    'rtmp-edge-service': 'rtmp-edge-deploy',
  },
};

function podLabels(w: K8sObject): Record<string, string> {
  return w.spec.template.metadata.labels;
}

function selectedBy(objects: K8sObject[], selector: Record<string, string>): string[] {
  return workloads(objects).filter((w) => selects(selector, podLabels(w))).map((w) => w.metadata.name).sort();
}

function publicServices(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
}

function container(objects: K8sObject[], workload: string, name: string): any {
  const w = workloads(objects).find((x) => x.metadata.name === workload);
  if (!w) throw new Error(`no workload ${workload}`);
  const c = containersOf(w).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${workload}`);
  return c;
}

describe.each(Object.keys(INTENDED))('%s', (id) => {
  const objects = apps[id];

  test('each Service selects exactly its intended workload, and every Service is listed', () => {
    const services = objects.filter((o) => o.kind === 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(Object.keys(INTENDED[id]).sort());
    for (const svc of services) {
      expect({ svc: svc.metadata.name, selects: selectedBy(objects, svc.spec.selector) })
        .toEqual({ svc: svc.metadata.name, selects: [INTENDED[id][svc.metadata.name]] });
    }
  });

  test('each workload selector matches its own pods and no other workload', () => {
    for (const w of workloads(objects)) {
      expect(selects(w.spec.selector.matchLabels, podLabels(w))).toBe(true);
      expect(selectedBy(objects, w.spec.selector.matchLabels)).toEqual([w.metadata.name]);
    }
  });

  test('every Service target port is a container port of the pods it selects', () => {
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const w = workloads(objects).find((x) => selects(svc.spec.selector, podLabels(x)))!;
      const containerPorts = w.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
      for (const port of svc.spec.ports) expect(containerPorts).toContain(port.targetPort);
    }
  });

  test('production defaults: probes, resources, pull policy, no surprise startup probe, zero-downtime rollouts', () => {
    for (const w of workloads(objects)) {
      const spec = w.spec.template.spec;
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken).toBe(false);
      // Service-link env vars would collide with RTMP_SERVER_* / SRS_* config overrides.
      expect(spec.enableServiceLinks).toBe(false);
      if (w.kind === 'Deployment') expect(w.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      // StatefulSets roll one pod at a time, each waiting for the previous to be ready.
      if (w.kind === 'StatefulSet') expect(w.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      for (const c of containersOf(w)) {
        expect(c.imagePullPolicy).toBe('IfNotPresent');
        expect(c.startupProbe).toBeUndefined();
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        // Only nginx's master runs as root.
        expect(c.securityContext.runAsNonRoot).toBe(c.name !== 'nginx');
      }
      for (const c of spec.containers) {
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.lifecycle.preStop).toBeDefined();
      }
    }
  });

  test('the config hash annotation is the sha256 of the mounted ConfigMap', () => {
    for (const w of workloads(objects)) {
      const cmName = w.spec.template.spec.volumes.find((v: any) => v.name === 'config-volume').configMap.name;
      const cm = find(objects, 'ConfigMap', cmName);
      const content = Object.values(cm.data as Record<string, string>)[0];
      expect(w.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION]).toBe(configHash(content));
    }
  });
});

describe('companion engine defaults', () => {
  const objects = apps['edge-cluster'];

  test('the API port is on no public Service by default', () => {
    for (const id of ['single-origin', 'origin-with-nginx', 'edge-cluster', 'relay-cluster', 'origin-cluster']) {
      for (const svc of publicServices(apps[id])) {
        expect(svc.spec.ports.map((p: any) => p.targetPort)).not.toContain(1985);
      }
    }
  });

  test('exposeApi puts the API on the public Service', () => {
    const out = synth((c) => new SingleOrigin(c, 'S', { exposeApi: true }));
    expect(publicServices(out)[0].spec.ports.map((p: any) => p.port)).toContain(1985);
  });

  test('edges point at the origin Service by its DNS name, and that Service selects the origin', () => {
    const edgeConfig = find(objects, 'ConfigMap', 'rtmp-edge-config').data['rtmp-server.yaml'];
    expect(edgeConfig).toMatch(/mode: edge/);
    expect(edgeConfig).toMatch(/origins:\n\s+- rtmp-origin-service:1935\n/);
    // HLS: edges fetch it from the origin Service's HTTP port.
    expect(edgeConfig).toMatch(/originsHttp:\n\s+- rtmp-origin-service:8080\n/);
    const originSvc = find(objects, 'Service', 'rtmp-origin-service');
    expect(originSvc.spec.type).toBe('ClusterIP');
    expect(originSvc.spec.ports.map((p: any) => p.port)).toEqual([1935, 8080]);
    expect(selectedBy(objects, originSvc.spec.selector)).toEqual(['rtmp-origin-deploy']);
  });

  test('HLS viewers go through the edge LoadBalancer on 8080: no origin HTTP LoadBalancer, no nginx in the origin pod', () => {
    expect(publicServices(objects).map((s) => s.metadata.name)).toEqual(['rtmp-edge-service']);
    expect(find(objects, 'Service', 'rtmp-edge-service').spec.ports.map((p: any) => p.port)).toContain(8080);
    const origin = find(objects, 'Deployment', 'rtmp-origin-deploy').spec.template.spec;
    expect(origin.containers.map((c: any) => c.name)).toEqual(['rtmp-server']);
  });

  test('SRS edges do no HLS: the SRS EdgeCluster keeps the origin nginx and its HTTP LoadBalancer (the guide layout)', () => {
    const srs = apps['edge-cluster-srs'];
    expect(publicServices(srs).map((s) => s.metadata.name).sort()).toEqual(['srs-edge-service', 'srs-http-service']);
    expect(find(srs, 'Service', 'srs-origin-service').spec.ports.map((p: any) => p.port)).toEqual([1935]);
  });

  test('originHttpService: true adds the origin HTTP LoadBalancer over nginx to a companion EdgeCluster', () => {
    const out = synth((c) => new EdgeCluster(c, 'E', { originHttpService: true }));
    expect(publicServices(out).map((s) => s.metadata.name).sort()).toEqual(['rtmp-edge-service', 'rtmp-http-service']);
    expect(selectedBy(out, find(out, 'Service', 'rtmp-http-service').spec.selector)).toEqual(['rtmp-origin-deploy']);
  });

  test('the HLS volume is shared: the server writes it, nginx reads it, the seed container fills it', () => {
    const objects = synth((c) => new EdgeCluster(c, 'E', { originHttpService: true }));
    const server = container(objects, 'rtmp-origin-deploy', 'rtmp-server');
    const nginx = container(objects, 'rtmp-origin-deploy', 'nginx');
    const seed = container(objects, 'rtmp-origin-deploy', 'seed-player');
    const mountOf = (c: any) => c.volumeMounts.find((m: any) => m.name === 'cache-volume');
    expect(mountOf(server).mountPath).toBe(DEFAULT_SERVER_CONFIG.hls.dir);
    expect(mountOf(server).readOnly).toBeFalsy();
    expect(mountOf(nginx)).toEqual({ name: 'cache-volume', mountPath: '/usr/share/nginx/html', readOnly: true });
    expect(seed.command).toEqual(['cp', '-R', '/app/player/.', '/seed/']);
    expect(mountOf(seed).mountPath).toBe('/seed');
    const volume = find(objects, 'Deployment', 'rtmp-origin-deploy').spec.template.spec.volumes.find((v: any) => v.name === 'cache-volume');
    expect(volume).toEqual({ name: 'cache-volume', emptyDir: {} });
  });

  test('the config is mounted as a directory (no subPath) where the server reads it', () => {
    const server = container(objects, 'rtmp-edge-deploy', 'rtmp-server');
    const mount = server.volumeMounts.find((m: any) => m.name === 'config-volume');
    expect(mount).toEqual({ name: 'config-volume', mountPath: '/etc/rtmp-server', readOnly: true });
    expect(server.command).toEqual(['node', '/app/main.js', '--config', SERVER_CONFIG_PATH]);
    expect(server.securityContext.runAsUser).toBe(10001);
    const writable = server.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath).sort();
    expect(writable).toEqual(['/tmp', DEFAULT_SERVER_CONFIG.hls.dir].sort());
  });

  test('probes and preStop use the server endpoints on the API port', () => {
    const server = container(objects, 'rtmp-edge-deploy', 'rtmp-server');
    expect(server.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 1985 });
    expect(server.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 1985 });
    expect(server.lifecycle.preStop.httpGet).toMatchObject({ path: '/prestop', port: 1985 });
  });

  test('the termination grace period is derived from the server lifecycle config', () => {
    const grace = (drainSeconds: number) => {
      const engine = ServerEngine.companion({ serverConfig: { lifecycle: { drainSeconds, readinessGraceSeconds: 3 } } });
      const out = synth((c) => new SingleOrigin(c, 'S', { engine }));
      return find(out, 'Deployment', 'rtmp-deployment').spec.template.spec.terminationGracePeriodSeconds;
    };
    expect(grace(30)).toBeGreaterThan(33);
    expect(grace(120)).toBeGreaterThan(123);
    expect(grace(120) - grace(30)).toBe(90);
  });

  test('a config change changes the pod-template hash (so pods roll); same config, same hash', () => {
    const hash = (level: 'info' | 'debug') => {
      const out = synth((c) => new SingleOrigin(c, 'S', { engine: ServerEngine.companion({ serverConfig: { log: { level } } }) }));
      return find(out, 'Deployment', 'rtmp-deployment').spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    };
    expect(hash('debug')).not.toBe(hash('info'));
    expect(hash('info')).toBe(hash('info'));
  });

  test('serverConfig ports become container ports and Service target ports', () => {
    const engine = ServerEngine.companion({ serverConfig: { rtmp: { port: 1936 }, http: { port: 8081 } } });
    const out = synth((c) => new SingleOrigin(c, 'S', { engine }));
    const svc = find(out, 'Service', 'rtmp-service');
    expect(svc.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[1936, 1936], [8081, 8081]]);
    const ports = find(out, 'Deployment', 'rtmp-deployment').spec.template.spec.containers[0].ports.map((p: any) => p.containerPort);
    expect(ports).toEqual([1936, 8081, 1985]);
  });

  test('edges have a PodDisruptionBudget selecting exactly the edges', () => {
    const pdb = find(objects, 'PodDisruptionBudget', 'rtmp-edge-pdb');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(selectedBy(objects, pdb.spec.selector.matchLabels)).toEqual(['rtmp-edge-deploy']);
    expect(synth((c) => new EdgeCluster(c, 'E', { pdb: false })).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  test('external origins: edges only, pointing at the given addresses', () => {
    const out = synth((c) => new EdgeCluster(c, 'E', { createOrigin: false, externalOrigins: ['origin.example:1935'] }));
    expect(workloads(out).map((w) => w.metadata.name)).toEqual(['rtmp-edge-deploy']);
    expect(find(out, 'ConfigMap', 'rtmp-edge-config').data['rtmp-server.yaml']).toMatch(/- origin\.example:1935/);
  });
});

describe('load balancer options', () => {
  const build = (c: Chart) => new EdgeCluster(c, 'E', {
    originHttpService: true,
    serviceAnnotations: { 'example.com/lb': 'internet' },
    loadBalancerClass: 'example.com/lb-class',
    externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    loadBalancerSourceRanges: ['203.0.113.0/24'],
    sharedLoadBalancer: SharedLoadBalancer.alibabaCloud('lb-123'),
  });
  const out = synth(build);

  test('public Services get the passthrough fields and the shared-LB annotations', () => {
    const pub = publicServices(out);
    expect(pub.map((s) => s.metadata.name).sort()).toEqual(['rtmp-edge-service', 'rtmp-http-service']);
    for (const svc of pub) {
      expect(svc.metadata.annotations).toMatchObject({
        'example.com/lb': 'internet',
        'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id': 'lb-123',
      });
      expect(svc.spec.loadBalancerClass).toBe('example.com/lb-class');
      expect(svc.spec.externalTrafficPolicy).toBe('Local');
      expect(svc.spec.loadBalancerSourceRanges).toEqual(['203.0.113.0/24']);
    }
  });

  test('the internal origin Service gets none of them', () => {
    const svc = find(out, 'Service', 'rtmp-origin-service');
    expect(svc.metadata.annotations).toBeUndefined();
    expect(svc.spec.loadBalancerClass).toBeUndefined();
    expect(svc.spec.externalTrafficPolicy).toBeUndefined();
  });

  test('MetalLB sharing uses one key (and IP) on every public Service', () => {
    const shared = synth((c) => new EdgeCluster(c, 'E', { sharedLoadBalancer: SharedLoadBalancer.metalLb('rtmp', '198.51.100.7') }));
    for (const svc of publicServices(shared)) {
      expect(svc.metadata.annotations).toEqual({
        'metallb.universe.tf/allow-shared-ip': 'rtmp',
        'metallb.universe.tf/loadBalancerIPs': '198.51.100.7',
      });
    }
  });

  test('OriginWithNginx serves HLS on 80 from nginx next to RTMP and FLV', () => {
    const o = synth((c) => new OriginWithNginx(c, 'O'));
    expect(find(o, 'Service', 'rtmp-origin-service').spec.ports.map((p: any) => p.port)).toEqual([80, 1935, 8080]);
  });
});

/** The server config (companion YAML) of a ConfigMap. */
function companionConfig(objects: K8sObject[], name: string): any {
  // cdk8s's Yaml.load reads files only: go through a temp file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-k8s-cfg-'));
  try {
    fs.writeFileSync(path.join(dir, 'c.yaml'), find(objects, 'ConfigMap', name).data['rtmp-server.yaml']);
    return Yaml.load(path.join(dir, 'c.yaml'))[0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('RelayCluster', () => {
  const objects = apps['relay-cluster'];

  test('the relay pushes to the servers\' headless Service, which selects exactly the servers', () => {
    const relay = companionConfig(objects, 'rtmp-relay-config');
    expect(relay.mode).toBe('relay');
    expect(relay.relay.targets).toEqual(['rtmp-server-headless:1935']);
    const headless = find(objects, 'Service', 'rtmp-server-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports.map((p: any) => p.port)).toContain(1935);
    expect(selectedBy(objects, headless.spec.selector)).toEqual(['rtmp-server']);
    expect(find(objects, 'StatefulSet', 'rtmp-server').spec.serviceName).toBe('rtmp-server-headless');
  });

  test('two servers by default; viewers get RTMP and HTTP-FLV/HLS over them; publishers get only RTMP on the relay', () => {
    expect(find(objects, 'StatefulSet', 'rtmp-server').spec.replicas).toBe(2);
    expect(companionConfig(objects, 'rtmp-server-config').mode).toBe('origin');
    expect(find(objects, 'Service', 'rtmp-viewer-service').spec.ports.map((p: any) => p.port)).toEqual([1935, 8080]);
    expect(find(objects, 'Service', 'rtmp-relay-service').spec.ports.map((p: any) => p.port)).toEqual([1935]);
    const pdb = find(objects, 'PodDisruptionBudget', 'rtmp-server-pdb');
    expect(selectedBy(objects, pdb.spec.selector.matchLabels)).toEqual(['rtmp-server']);
  });

  test('scaling the servers changes the StatefulSet, not the relay config (the relay re-resolves the name)', () => {
    const five = synth((c) => new RelayCluster(c, 'R', { servers: 5 }));
    expect(find(five, 'StatefulSet', 'rtmp-server').spec.replicas).toBe(5);
    expect(find(five, 'ConfigMap', 'rtmp-relay-config').data).toEqual(find(objects, 'ConfigMap', 'rtmp-relay-config').data);
  });

  test('SRS: the relay forwards to every server pod by its stable name', () => {
    const conf = find(apps['relay-cluster-srs'], 'ConfigMap', 'srs-relay-config').data['srs.conf'];
    expect(conf).toMatch(/destination\s+srs-server-0\.srs-server-headless:1935 srs-server-1\.srs-server-headless:1935;/);
  });
});

describe('OriginCluster', () => {
  const objects = apps['origin-cluster'];

  test('three origins know their peers through the headless Service; edges pull from it', () => {
    expect(find(objects, 'StatefulSet', 'rtmp-origin').spec.replicas).toBe(3);
    const origin = companionConfig(objects, 'rtmp-origin-config');
    expect(origin.mode).toBe('origin');
    expect(origin.cluster.peers).toEqual(['rtmp-origin-headless:1985']);
    const edge = companionConfig(objects, 'rtmp-edge-config');
    expect(edge.mode).toBe('edge');
    expect(edge.edge.origins).toEqual(['rtmp-origin-headless:1935']);
    // Edges ask the origins' APIs which origin holds a stream.
    expect(edge.cluster.peers).toEqual(['rtmp-origin-headless:1985']);
    const headless = find(objects, 'Service', 'rtmp-origin-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports.map((p: any) => p.port)).toEqual(expect.arrayContaining([1935, 1985]));
  });

  test('the edge LoadBalancer is the entry point for RTMP, HTTP-FLV and HLS (8080); origins are not public', () => {
    expect(publicServices(objects).map((s) => s.metadata.name)).toEqual(['rtmp-edge-service']);
    expect(find(objects, 'Service', 'rtmp-edge-service').spec.ports.map((p: any) => p.port)).toEqual([1935, 8080]);
  });

  test('the edges are the same EdgePool part EdgeCluster uses', () => {
    let oc: OriginCluster | undefined;
    let ec: EdgeCluster | undefined;
    synth((c) => { oc = new OriginCluster(c, 'O'); ec = new EdgeCluster(c, 'E', { name: 'other' }); });
    expect(oc!.edges).toBeInstanceOf(EdgePool);
    expect(ec!.edges).toBeInstanceOf(EdgePool);
  });

  test('SRS: origin_cluster with every origin API as a coworker; edges list every origin', () => {
    const srs = apps['origin-cluster-srs'];
    const origin = find(srs, 'ConfigMap', 'srs-origin-config').data['srs.conf'];
    expect(origin).toMatch(/origin_cluster\s+on;/);
    expect(origin).toMatch(/coworkers\s+srs-origin-0\.srs-origin-headless:1985 srs-origin-1\.srs-origin-headless:1985 srs-origin-2\.srs-origin-headless:1985;/);
    const edge = find(srs, 'ConfigMap', 'srs-edge-config').data['srs.conf'];
    expect(edge).toMatch(/origin\s+srs-origin-0\.srs-origin-headless srs-origin-1\.srs-origin-headless srs-origin-2\.srs-origin-headless;/);
  });
});
