// The `tls` and `recording` props: what they add to the manifests (Secret and claim mounted where the rendered
// config points, ports on the containers and the public Services, fsGroup for the claim), that every construct
// synthesizes valid objects with them, that nothing changes without them, and the synth-time errors.
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  EdgeCluster, OriginCluster, OriginWithNginx, RelayCluster, ServerConfig, ServerEngine, SingleOrigin,
} from '../../lib';
import { validateK8s } from './support/k8s-schema';
import { find, K8sObject, selects, synth, synthApps, workloads } from './support/synth';

const apps = synthApps();
const TLS = { secretName: 'rtmp-tls' };

/** The server container, its pod spec and its rendered config, for each workload running the companion server. */
function servers(objects: K8sObject[]) {
  return workloads(objects).filter((w) => w.spec.template.spec.containers.some((c: any) => c.name === 'rtmp-server')).map((w) => {
    const pod = w.spec.template.spec;
    const server = pod.containers.find((c: any) => c.name === 'rtmp-server');
    const cmVolume = pod.volumes.find((v: any) => v.name === 'config-volume');
    const config = parse(find(objects, 'ConfigMap', cmVolume.configMap.name).data['rtmp-server.yaml']) as ServerConfig;
    const mountOf = (volume: string) => server.volumeMounts.find((m: any) => m.name === volume);
    const volume = (name: string) => pod.volumes.find((v: any) => v.name === name);
    return { w, pod, server, config, mountOf, volume, ports: server.ports.map((p: any) => p.containerPort) as number[] };
  });
}

function servicesOf(objects: K8sObject[], w: K8sObject): K8sObject[] {
  const labels = w.spec.template.metadata.labels;
  return objects.filter((o) => o.kind === 'Service' && selects(o.spec.selector, labels));
}

describe.each(['single-origin-tls-recording', 'origin-cluster-tls-recording'])('%s', (chart) => {
  const objects = apps[chart];

  test('TLS pods mount the Secret as a directory where the config reads the PEM files, and listen on RTMPS and HTTPS', () => {
    const tlsPods = servers(objects).filter((s) => s.volume('tls-volume'));
    expect(tlsPods.length).toBeGreaterThan(0);
    for (const s of tlsPods) {
      expect(s.volume('tls-volume').secret.secretName).toBe('rtmp-tls');
      const mount = s.mountOf('tls-volume');
      expect(mount.subPath).toBeUndefined(); // a subPath mount would never see a renewal
      expect(mount.readOnly).toBe(true);
      expect(s.config.tls).toEqual({ certFile: `${mount.mountPath}/tls.crt`, keyFile: `${mount.mountPath}/tls.key` });
      expect([s.config.rtmps.enabled, s.config.https.enabled]).toEqual([true, true]);
      expect(s.ports).toEqual(expect.arrayContaining([s.config.rtmps.port, s.config.https.port]));
      // Every public Service in front of TLS pods offers both TLS ports.
      for (const svc of servicesOf(objects, s.w).filter((o) => o.spec.type === 'LoadBalancer')) {
        expect(svc.spec.ports.map((p: any) => p.targetPort)).toEqual(expect.arrayContaining([1443, 8088]));
      }
    }
    // Pods without the Secret have the listeners off (a listener without a certificate would not start).
    for (const s of servers(objects).filter((x) => !x.volume('tls-volume'))) {
      expect([s.config.rtmps.enabled, s.config.https.enabled]).toEqual([false, false]);
    }
  });

  test('recording pods mount the claim at dvr.dir, record, and get an fsGroup the server can write with', () => {
    const recorders = servers(objects).filter((s) => s.volume('recording-volume'));
    expect(recorders.length).toBe(1);
    const s = recorders[0];
    const claim = find(objects, 'PersistentVolumeClaim', s.volume('recording-volume').persistentVolumeClaim.claimName);
    expect(s.mountOf('recording-volume').mountPath).toBe(s.config.dvr.dir);
    expect(s.config.dvr.enabled).toBe(true);
    expect(s.pod.securityContext.fsGroup).toBe(s.server.securityContext.runAsGroup);
    expect(s.pod.securityContext.fsGroupChangePolicy).toBe('OnRootMismatch');
    const replicas = s.w.spec.replicas;
    expect(claim.spec.accessModes).toEqual([replicas > 1 ? 'ReadWriteMany' : 'ReadWriteOnce']);
    // Streams are published on the recorders: the origins, never edges.
    expect(s.config.mode).toBe('origin');
    for (const other of servers(objects).filter((x) => x.w.metadata.name !== s.w.metadata.name)) expect(other.config.dvr.enabled).toBe(false);
  });
});

describe('without the props nothing is added', () => {
  test.each(Object.keys(apps).filter((id) => !id.endsWith('-tls-recording') && !id.endsWith('-srs')))('%s', (id) => {
    const objects = apps[id];
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    for (const s of servers(objects)) {
      expect([s.volume('tls-volume'), s.volume('recording-volume'), s.pod.securityContext.fsGroup]).toEqual([undefined, undefined, undefined]);
      expect([s.config.rtmps.enabled, s.config.https.enabled, s.config.dvr.enabled]).toEqual([false, false, false]);
      expect(s.ports).not.toContain(1443);
    }
  });
});

describe('every construct takes tls and recording', () => {
  const RWX = { sizeGibibytes: 5, storageClass: 'fast-rwx', readWriteMany: true };
  const cases: [string, (c: Chart) => void, string][] = [
    ['SingleOrigin', (c) => new SingleOrigin(c, 'S', { tls: TLS, recording: { sizeGibibytes: 5 } }), 'rtmp-deployment'],
    ['OriginWithNginx', (c) => new OriginWithNginx(c, 'O', { tls: TLS, recording: {} }), 'rtmp-deploy'],
    ['EdgeCluster', (c) => new EdgeCluster(c, 'E', { tls: TLS, recording: {} }), 'rtmp-origin-deploy'],
    ['OriginCluster', (c) => new OriginCluster(c, 'C', { tls: TLS, recording: RWX }), 'rtmp-origin'],
    ['RelayCluster', (c) => new RelayCluster(c, 'R', { tls: TLS, recording: {} }), 'rtmp-relay-deploy'],
  ];
  test.each(cases)('%s: valid objects; the claim on the publishing workload; TLS on the public Services', (_name, build, recorder) => {
    const objects = synth(build);
    for (const o of objects) expect(() => validateK8s(o)).not.toThrow();
    const claims = objects.filter((o) => o.kind === 'PersistentVolumeClaim');
    expect(claims.map((c) => c.metadata.name)).toEqual([`${recorder}-recording`]);
    const withClaim = servers(objects).filter((s) => s.volume('recording-volume')).map((s) => s.w.metadata.name);
    expect(withClaim).toEqual([recorder]);
    const publicServices = objects.filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
    // Every public Service that carries RTMP also carries RTMPS (nginx's HLS-only Service stays as it is).
    for (const svc of publicServices.filter((o) => o.spec.ports.some((p: any) => p.targetPort === 1935))) {
      expect({ svc: svc.metadata.name, ports: svc.spec.ports.map((p: any) => p.targetPort) })
        .toEqual({ svc: svc.metadata.name, ports: expect.arrayContaining([1443]) });
    }
    // ...and each target port is a container port of the pods behind it.
    for (const svc of publicServices) {
      const w = workloads(objects).find((x) => selects(svc.spec.selector, x.spec.template.metadata.labels))!;
      const ports = w.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
      for (const p of svc.spec.ports) expect(ports).toContain(p.targetPort);
    }
  });

  test('storage size and class reach the claim', () => {
    const claim = find(synth((c) => new OriginCluster(c, 'C', { recording: RWX })), 'PersistentVolumeClaim', 'rtmp-origin-recording');
    expect(claim.spec).toMatchObject({ storageClassName: 'fast-rwx', accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } } });
  });

  test('serverConfig overrides still apply: MP4 recordings and other TLS ports', () => {
    const engine = ServerEngine.companion({ serverConfig: { dvr: { format: 'mp4', keepHours: 72 }, rtmps: { port: 443 } } });
    const objects = synth((c) => new SingleOrigin(c, 'S', { engine, tls: TLS, recording: {} }));
    const [s] = servers(objects);
    expect(s.config.dvr).toMatchObject({ enabled: true, format: 'mp4', keepHours: 72 });
    expect(s.ports).toEqual(expect.arrayContaining([443, 8088]));
    expect(find(objects, 'Service', 'rtmp-service').spec.ports.map((p: any) => p.port)).toEqual([1935, 8080, 443, 8088]);
  });
});

describe('bad tls and recording props fail at synth time naming the prop', () => {
  const build = (f: (c: Chart) => void) => () => f(Testing.chart());
  test('an engine that cannot serve TLS or record', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { engine: ServerEngine.srs(), tls: TLS })))
      .toThrow("SingleOrigin 'tls' needs an engine that serves RTMPS and HTTPS itself (ServerEngine.companion()); the srs engine does not");
    expect(build((c) => new EdgeCluster(c, 'E', { engine: ServerEngine.srs(), recording: {} })))
      .toThrow("EdgeCluster 'recording' needs an engine that records streams itself (ServerEngine.companion()); the srs engine does not");
  });

  test('bad Secret name, size or storage class', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { tls: { secretName: 'My_Secret' } })))
      .toThrow(/^SingleOrigin 'tls.secretName' must be a DNS-1123 label .*got "My_Secret"$/);
    expect(build((c) => new SingleOrigin(c, 'S', { recording: { sizeGibibytes: 0 } })))
      .toThrow("SingleOrigin 'recording.sizeGibibytes' must be an integer >= 1, got 0");
    expect(build((c) => new SingleOrigin(c, 'S', { recording: { storageClass: 'Fast SSD' } })))
      .toThrow('SingleOrigin \'recording.storageClass\' must be a StorageClass name (lowercase a-z, 0-9, "-" and "."), got "Fast SSD"');
  });

  test('several pods on a ReadWriteOnce claim', () => {
    expect(build((c) => new OriginCluster(c, 'C', { recording: {} })))
      .toThrow("OriginCluster 'recording.readWriteMany' must be true when 3 pods record to one claim, got false: a ReadWriteOnce volume attaches to one node");
    expect(build((c) => new RelayCluster(c, 'R', { relayReplicas: 2, recording: { readWriteMany: false } })))
      .toThrow(/^RelayCluster 'recording.readWriteMany' must be true when 2 pods/);
    expect(build((c) => new OriginCluster(c, 'C', { origins: 1, recording: {} }))).not.toThrow();
  });

  test('EdgeCluster recording without an origin of its own', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { createOrigin: false, externalOrigins: ['o.example:1935'], recording: {} })))
      .toThrow("EdgeCluster 'recording' needs 'createOrigin' true, got false: streams are recorded on the origin, and external origins are not part of this construct");
  });

  test('TLS ports colliding with the server\'s other listeners', () => {
    const engine = ServerEngine.companion({ serverConfig: { https: { port: 8080 } } });
    expect(build((c) => new SingleOrigin(c, 'S', { engine, tls: TLS })))
      .toThrow("SingleOrigin 'tls https port (serverConfig.https.port)' and 'engine http port' are both 8080: ports that share a listener must differ");
    // Without `tls` the unused TLS port does not matter.
    expect(build((c) => new SingleOrigin(c, 'S', { engine }))).not.toThrow();
  });
});
