// The operations pack on every topology: invariants that matter in a cluster (public traffic not blocked by the
// NetworkPolicies, the scaler targets a real workload and owns its replicas, monitors select the server pods,
// routes point at real Service ports), the cloud presets, and synth-time errors naming the prop.
import { Chart, Testing } from 'cdk8s';
import {
  AutoscalingMode, EdgeCluster, IngressKind, LoadBalancerPreset, OriginCluster, OriginWithNginx, RelayCluster, ServerEngine,
  SingleOrigin,
} from '../../lib';
import { validateK8s } from './support/k8s-schema';
import { containersOf, K8sObject, synth, synthApps, workloads } from './support/synth';

const apps = synthApps();
const production = Object.keys(apps).filter((id) => id.includes('-production'));
const withPolicies = Object.keys(apps).filter((id) => apps[id].some((o) => o.kind === 'NetworkPolicy'));

const podLabels = (w: K8sObject): Record<string, string> => w.spec.template.metadata.labels;
const containerPorts = (w: K8sObject): { name?: string; containerPort: number }[] => w.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
/** Does a NetworkPolicy peer podSelector (matchLabels or `app In [...]`) select these labels? */
function peerSelects(sel: any, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpr = (sel.matchExpressions ?? []).every((e: any) => e.operator === 'In' && e.values.includes(labels[e.key]));
  return byLabels && byExpr;
}
/** The server pods the policies are for (a DemoPublisher is a client of the chart, not a server). */
const serverWorkloads = (objects: K8sObject[]) => workloads(objects).filter((w) => !w.metadata.name.endsWith('demo-publisher'));
const policyOf = (objects: K8sObject[], w: K8sObject) => {
  const hits = objects.filter((o) => o.kind === 'NetworkPolicy' && peerSelects(o.spec.podSelector, podLabels(w)));
  expect(hits).toHaveLength(1);
  return hits[0];
};
/** Ports the policy lets in from any source. */
const openPorts = (policy: K8sObject): number[] => policy.spec.ingress.filter((r: any) => !r.from).flatMap((r: any) => r.ports.map((p: any) => p.port));

describe('NetworkPolicies (on by default with the companion engine)', () => {
  test('every companion chart has them, SRS charts only on request', () => {
    expect(withPolicies.sort()).toEqual(Object.keys(apps).filter((id) => !id.endsWith('-srs') || id.includes('production')).sort());
  });

  test.each(withPolicies)('%s: each server pod has one policy; every LoadBalancer port reaches it from anywhere', (id) => {
    const objects = apps[id];
    for (const svc of objects.filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer')) {
      const pods = workloads(objects).filter((w) => Object.entries(svc.spec.selector).every(([k, v]) => podLabels(w)[k] === v));
      expect(pods.length).toBeGreaterThan(0);
      for (const w of pods) {
        expect({ svc: svc.metadata.name, open: openPorts(policyOf(objects, w)).sort() })
          .toEqual({ svc: svc.metadata.name, open: expect.arrayContaining(svc.spec.ports.map((p: any) => p.targetPort)) });
      }
    }
  });

  test.each(withPolicies)('%s: the API port is open only to the namespace and the monitoring namespace; egress allows DNS', (id) => {
    const objects = apps[id];
    for (const w of serverWorkloads(objects)) {
      const policy = policyOf(objects, w);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(openPorts(policy)).not.toContain(1985);
      const admin = policy.spec.ingress.find((r: any) => r.from?.some((f: any) => f.namespaceSelector));
      expect(admin.from).toEqual([{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
      expect(admin.ports.map((p: any) => p.port)).toContain(1985);
      expect(policy.spec.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
    }
  });

  test.each(withPolicies.filter((id) => /edge-cluster|origin-cluster|relay-cluster/.test(id)))('%s: a pod may connect to the pods behind every internal Service it is wired to', (id) => {
    const objects = apps[id];
    const internal = objects.filter((o) => o.kind === 'Service' && o.spec.type !== 'LoadBalancer');
    const servers = workloads(objects);
    let pairs = 0;
    // Who dials whom: edges → origins, relays → servers, origins ↔ origins (cluster): the ConfigMaps name the Services.
    for (const client of servers) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === client.spec.template.spec.volumes.find((v: any) => v.configMap)?.configMap.name);
      const config = Object.values(cm?.data ?? {}).join('\n');
      // `name:port`, or SRS's bare `name` for the default RTMP port.
      const dials = (svc: K8sObject, port: number) => config.includes(`${svc.metadata.name}:${port}`)
        || (port === 1935 && new RegExp(`${svc.metadata.name}[\\s;]`).test(config));
      for (const svc of internal.filter((s) => s.spec.ports.some((p: any) => dials(s, p.port)))) {
        const egress = policyOf(objects, client).spec.egress;
        const target = servers.find((w) => Object.entries(svc.spec.selector).every(([k, v]) => podLabels(w)[k] === v))!;
        const dialed = svc.spec.ports.filter((p: any) => dials(svc, p.port)).map((p: any) => p.targetPort);
        expect(dialed.length).toBeGreaterThan(0);
        const allowed = egress.filter((r: any) => r.to?.some((t: any) => peerSelects(t.podSelector, podLabels(target)))).flatMap((r: any) => r.ports.map((p: any) => p.port));
        expect({ from: client.metadata.name, to: svc.metadata.name, allowed }).toEqual({ from: client.metadata.name, to: svc.metadata.name, allowed: expect.arrayContaining(dialed) });
        const ingress = policyOf(objects, target).spec.ingress;
        const admitted = ingress.filter((r: any) => !r.from || r.from.some((f: any) => f.podSelector && peerSelects(f.podSelector, podLabels(client)))).flatMap((r: any) => r.ports.map((p: any) => p.port));
        expect(admitted).toEqual(expect.arrayContaining(dialed));
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(0);
  });

  test('networkPolicy.enabled false creates none; extraEgressPorts opens those ports to any address', () => {
    expect(synth((c) => new SingleOrigin(c, 'S', { networkPolicy: { enabled: false } })).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
    const [policy] = synth((c) => new SingleOrigin(c, 'S', { networkPolicy: { extraEgressPorts: [443] } })).filter((o) => o.kind === 'NetworkPolicy');
    expect(policy.spec.egress).toContainEqual({ ports: [{ protocol: 'TCP', port: 443 }] });
  });

  test('the hooks backends and forward destinations of the props may be reached on their ports at any address', () => {
    const policies = synth((c) => new EdgeCluster(c, 'E', {
      hooks: { onPublish: ['http://auth.example.com:8081/publish'], onHls: ['https://hooks.example.com/hls'] },
      forward: { destinations: ['rtmps://live.example.com/app/[stream]', 'rtmp://backup.example.com/[app]/[stream]'] },
    })).filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(1);
    for (const policy of policies) {
      const anywhere = policy.spec.egress.filter((r: any) => !r.to).flatMap((r: any) => r.ports.map((p: any) => `${p.protocol}/${p.port}`));
      expect(anywhere).toEqual(expect.arrayContaining(['TCP/8081', 'TCP/443', 'TCP/1935']));
    }
    const [plain] = synth((c) => new SingleOrigin(c, 'S')).filter((o) => o.kind === 'NetworkPolicy');
    expect(plain.spec.egress.filter((r: any) => !r.to && r.ports.some((p: any) => p.port === 8081))).toEqual([]);
  });

  test('EdgeCluster with external origins may reach their ports at any address', () => {
    const objects = synth((c) => new EdgeCluster(c, 'E', { createOrigin: false, externalOrigins: ['origin.example.com:1940'] }));
    const [policy] = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policy.spec.egress).toContainEqual({ ports: [{ protocol: 'TCP', port: 1940 }] });
  });
});

describe('autoscaling', () => {
  const scaled = production.filter((id) => apps[id].some((o) => o.kind === 'ScaledObject' || o.kind === 'HorizontalPodAutoscaler'));

  test('the production examples of every topology with edges or relay servers scale', () => {
    expect(scaled.sort()).toEqual(['edge-cluster-production', 'edge-cluster-production-srs', 'origin-cluster-production', 'relay-cluster-production']);
  });

  test.each(scaled)('%s: the scaler targets a real workload, owns its replicas, waits out the drain; CPU requests are set', (id) => {
    const objects = apps[id];
    const scaler = objects.find((o) => o.kind === 'ScaledObject' || o.kind === 'HorizontalPodAutoscaler')!;
    const ref = scaler.spec.scaleTargetRef;
    const target = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name)!;
    expect(target).toBeDefined();
    expect(target.spec.replicas).toBeUndefined();
    const behavior = scaler.kind === 'ScaledObject' ? scaler.spec.advanced.horizontalPodAutoscalerConfig.behavior : scaler.spec.behavior;
    expect(behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(target.spec.template.spec.terminationGracePeriodSeconds);
    for (const w of workloads(objects)) for (const c of containersOf(w)) expect(c.resources.requests.cpu).toBeDefined();
    if (scaler.kind === 'ScaledObject') {
      const trigger = scaler.spec.triggers.find((t: any) => t.type === 'prometheus');
      expect(trigger.metadata.query).toContain(`workload="${target.spec.template.metadata.labels.app}"`);
      expect(Number(trigger.metadata.threshold)).toBe(1000);
    }
  });

  test('HPA mode renders the prometheus-adapter rule next to the HPA, on the same metric', () => {
    const objects = apps['origin-cluster-production'];
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.metrics.map((m: any) => m.type)).toEqual(['Pods', 'Resource']);
    const rules = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-prometheus-adapter-rules'))!;
    expect(rules.data['rules.yaml']).toContain(`as: ${hpa.spec.metrics[0].pods.metric.name}`);
  });
});

describe('monitoring', () => {
  const monitored = production;

  test.each(monitored)('%s: the PodMonitor selects every server pod through a named container port', (id) => {
    const objects = apps[id];
    const pm = objects.find((o) => o.kind === 'PodMonitor')!;
    const endpoint = pm.spec.podMetricsEndpoints[0];
    for (const w of workloads(objects)) {
      expect(peerSelects(pm.spec.selector, podLabels(w))).toBe(true);
      expect(containerPorts(w).map((p) => p.name)).toContain(endpoint.port);
    }
    expect(pm.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
  });

  test.each(monitored)('%s: the dashboard ConfigMap is labelled for the Grafana sidecar and every panel has a query', (id) => {
    const cm = apps[id].find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')!;
    const model = JSON.parse(Object.values(cm.data as Record<string, string>)[0]);
    expect(model.panels.length).toBeGreaterThan(4);
    for (const p of model.panels) expect(p.targets.length).toBeGreaterThan(0);
  });

  test('the companion dashboard has a panel query for every rtmp_server_* metric family the server exposes', () => {
    const cm = apps['edge-cluster-production'].find((o) => o.metadata.labels?.grafana_dashboard === '1')!;
    const text = Object.values(cm.data as Record<string, string>)[0];
    const families = [
      'streams', 'streams_publishing', 'players', 'publishers', 'clients', 'upstream_pulls_active', 'ready', 'info',
      'received_bytes_total', 'sent_bytes_total', 'connections_accepted_total', 'connections_rejected_total',
      'upstream_pulls_started_total', 'dropped_frames_total', 'slow_players_closed_total', 'hls_segments_written_total',
      'hls_bytes_written_total', 'hls_dropped_segments_total', 'hls_write_errors_total', 'hls_skipped_payloads_total',
      'config_reloads_total', 'config_reloads_rejected_total', 'upstream_pull_failures_total', 'stream_players',
      'stream_received_bytes_total', 'stream_sent_bytes_total', 'stream_series_omitted', 'publish_stall_seconds_max',
    ];
    expect(families.filter((f) => !new RegExp(`rtmp_server_${f}\\{`).test(text))).toEqual([]);
  });

  test('SRS: the exporter option turns SRS_EXPORTER_ENABLED on with port 9972, which the PodMonitor scrapes', () => {
    const objects = apps['edge-cluster-production-srs'];
    for (const w of workloads(objects)) {
      const srs = w.spec.template.spec.containers.find((c: any) => c.name === 'srs');
      expect(srs.env).toEqual(expect.arrayContaining([{ name: 'SRS_EXPORTER_ENABLED', value: 'on' }, { name: 'SRS_EXPORTER_LISTEN', value: '9972' }]));
      expect(srs.ports).toContainEqual({ name: 'exporter', containerPort: 9972 });
    }
    expect(objects.find((o) => o.kind === 'ScaledObject')!.spec.triggers[0].metadata.query).toBe('sum(srs_clients{workload="srs-edge"})');
  });

  test('a namespaced chart scopes the alerts and the scaling query to its namespace', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'live' });
    new EdgeCluster(chart, 'E', { monitoring: {}, autoscaling: { maxReplicas: 4 } });
    const objects = Testing.synth(chart) as K8sObject[];
    expect(objects.find((o) => o.kind === 'ScaledObject')!.spec.triggers[0].metadata.query).toBe('sum(rtmp_server_players{namespace="live",workload="rtmp-edge"})');
    for (const r of objects.find((o) => o.kind === 'PrometheusRule')!.spec.groups[0].rules) expect(r.expr).toContain('namespace="live",');
  });
});

describe('HTTPS entry', () => {
  test.each(production.filter((id) => apps[id].some((o) => o.kind === 'HTTPRoute' || o.kind === 'Ingress')))('%s: every route points at an existing Service port; the certificate covers every host', (id) => {
    const objects = apps[id];
    const services = objects.filter((o) => o.kind === 'Service');
    const backends = [
      ...objects.filter((o) => o.kind === 'HTTPRoute').flatMap((r) => r.spec.rules.flatMap((x: any) => x.backendRefs.map((b: any) => [b.name, b.port, r.spec.hostnames]))),
      ...objects.filter((o) => o.kind === 'Ingress').flatMap((i) => i.spec.rules.map((r: any) => [r.http.paths[0].backend.service.name, r.http.paths[0].backend.service.port.number, [r.host]])),
    ];
    expect(backends.length).toBeGreaterThan(0);
    const hosts = new Set<string>();
    for (const [name, port, hostnames] of backends) {
      const svc = services.find((s) => s.metadata.name === name)!;
      expect(svc.spec.ports.map((p: any) => p.port)).toContain(port);
      for (const h of hostnames) hosts.add(h);
    }
    const cert = objects.find((o) => o.kind === 'Certificate');
    const ingress = objects.find((o) => o.kind === 'Ingress');
    expect([...hosts].sort()).toEqual([...(cert ? cert.spec.dnsNames : ingress!.spec.tls[0].hosts)].sort());
    const grant = objects.find((o) => o.kind === 'ReferenceGrant');
    if (cert) expect(grant!.spec.to).toEqual([{ group: '', kind: 'Secret', name: cert.spec.secretName }]);
    if (ingress) expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    // RTMP stays on the TCP LoadBalancer: no route to an RTMP port.
    for (const [name, port] of backends) {
      const svc = services.find((s) => s.metadata.name === name)!;
      expect(svc.spec.ports.find((p: any) => p.port === port).targetPort).not.toBe(1935);
    }
  });

  test('an Issuer (namespaced) uses the issuer annotation; a Gateway in the same namespace needs no ReferenceGrant', () => {
    const ing = synth((c) => new SingleOrigin(c, 'S', { ingress: { host: 'a.example.com', kind: IngressKind.INGRESS, issuer: { name: 'local', kind: 'Issuer' } } }));
    expect(ing.find((o) => o.kind === 'Ingress')!.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'local' });
    const gw = synth((c) => new SingleOrigin(c, 'S', { ingress: { host: 'a.example.com', gateway: { name: 'gw' } } }));
    expect(gw.some((o) => o.kind === 'ReferenceGrant')).toBe(false);
    for (const o of [...ing, ...gw]) expect(() => validateK8s(o)).not.toThrow();
  });
});

describe('load balancer presets', () => {
  const cases: [string, LoadBalancerPreset, Record<string, string>][] = [
    ['aws', LoadBalancerPreset.aws(), { 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip', 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true' }],
    ['aws internal', LoadBalancerPreset.aws({ internal: true }), { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' }],
    ['gke', LoadBalancerPreset.gke(), { 'cloud.google.com/l4-rbs': 'enabled' }],
    ['gke internal', LoadBalancerPreset.gke({ internal: true }), { 'networking.gke.io/load-balancer-type': 'Internal' }],
    ['aks', LoadBalancerPreset.aks(), { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'false' }],
    ['alibaba', LoadBalancerPreset.alibaba({ loadBalancerId: 'lb-123' }), { 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id': 'lb-123' }],
    ['tencent', LoadBalancerPreset.tencent({ internal: true, subnetId: 'subnet-1' }), { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-1', 'service.cloud.tencent.com/direct-access': 'true' }],
  ];

  test.each(cases)('%s: annotations and externalTrafficPolicy Local on every public Service, none on internal ones', (_n, preset, expected) => {
    const objects = synth((c) => new EdgeCluster(c, 'E', { loadBalancer: preset }));
    const publicSvcs = objects.filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
    expect(publicSvcs.length).toBe(1); // the edges' (HLS goes through them; the origin nginx LB is opt-in)
    for (const s of publicSvcs) {
      expect(s.metadata.annotations).toEqual(expect.objectContaining(expected));
      expect(s.spec.externalTrafficPolicy).toBe('Local');
    }
    for (const s of objects.filter((o) => o.kind === 'Service' && o.spec.type !== 'LoadBalancer')) expect(s.metadata.annotations ?? {}).toEqual({});
  });

  test('serviceAnnotations and externalTrafficPolicy props win over the preset', () => {
    const objects = synth((c) => new SingleOrigin(c, 'S', {
      loadBalancer: LoadBalancerPreset.aws(),
      serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' },
      externalTrafficPolicy: 'Cluster' as never,
    }));
    const svc = objects.find((o) => o.kind === 'Service')!;
    expect(svc.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
    expect(svc.spec.externalTrafficPolicy).toBe('Cluster');
  });
});

describe('custom resources against their CRD schemas', () => {
  test('the CRD validators reject broken objects (they can fail)', () => {
    const objects = apps['edge-cluster-production'];
    const broken = (kind: string, mutate: (o: any) => void) => {
      const copy = JSON.parse(JSON.stringify(objects.find((o) => o.kind === kind)));
      mutate(copy);
      return () => validateK8s(copy);
    };
    expect(broken('ScaledObject', (o) => { o.spec.minReplicaCount = 'three'; })).toThrow(/minReplicaCount/);
    expect(broken('PodMonitor', (o) => { o.spec.podMetricsEndpoints = 'api'; })).toThrow(/podMetricsEndpoints/);
    expect(broken('PrometheusRule', (o) => { delete o.spec.groups[0].name; })).toThrow(/name/);
    expect(broken('HTTPRoute', (o) => { o.spec.rules[0].backendRefs[0].port = 'http'; })).toThrow(/port/);
    expect(broken('Certificate', (o) => { delete o.spec.issuerRef; })).toThrow(/issuerRef/);
  });
});

describe('operations props fail at synth time, naming the prop', () => {
  const build = (f: (c: Chart) => void) => () => f(Testing.chart());

  test('minReplicas > maxReplicas', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { autoscaling: { minReplicas: 5, maxReplicas: 2 } })))
      .toThrow("EdgeCluster 'autoscaling.minReplicas' (5) must not be greater than 'autoscaling.maxReplicas' (2)");
  });

  test('autoscaling on a topology without edges', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { autoscaling: { maxReplicas: 3 } })))
      .toThrow(/^SingleOrigin 'autoscaling' needs a topology with edges or relay servers to scale on viewers/);
    expect(build((c) => new OriginWithNginx(c, 'O', { autoscaling: { maxReplicas: 3 } })))
      .toThrow(/^OriginWithNginx 'autoscaling' needs a topology with edges/);
  });

  test('an unknown preset option', () => {
    expect(() => LoadBalancerPreset.aws({ crosszone: true } as never))
      .toThrow("LoadBalancerPreset.aws() option 'crosszone' is unknown; allowed: internal, crossZone");
    expect(() => LoadBalancerPreset.gke({ internal: 'yes' } as never))
      .toThrow('LoadBalancerPreset.gke() option \'internal\' must be true or false, got "yes"');
    expect(() => LoadBalancerPreset.tencent({ internal: true }))
      .toThrow("LoadBalancerPreset.tencent() 'internal' needs 'subnetId'");
  });

  test('other autoscaling props', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { autoscaling: { maxReplicas: 4, scaleDownStabilizationSeconds: 10 } })))
      .toThrow("EdgeCluster 'autoscaling.scaleDownStabilizationSeconds' must be an integer >= 42 (the pods' termination grace period: preStop + drain), so a draining pod is not counted out early, got 10");
    expect(build((c) => new EdgeCluster(c, 'E', { autoscaling: { maxReplicas: 4, mode: 'vpa' as never } })))
      .toThrow('EdgeCluster \'autoscaling.mode\' must be one of keda, hpa, got "vpa"');
    expect(build((c) => new EdgeCluster(c, 'E', { autoscaling: { maxReplicas: 4, target: 3 } as never })))
      .toThrow(/^EdgeCluster 'autoscaling.target' is unknown; allowed: minReplicas, maxReplicas/);
    expect(build((c) => new EdgeCluster(c, 'E', { resources: { cpuRequestMillis: 0 }, autoscaling: { maxReplicas: 4 } })))
      .toThrow("EdgeCluster 'resources.cpuRequestMillis' must be > 0 with 'autoscaling'");
    expect(build((c) => new RelayCluster(c, 'R', { engine: ServerEngine.srs({ exporter: true }), autoscaling: { maxReplicas: 4 } })))
      .toThrow(/^RelayCluster 'autoscaling' needs the companion engine/);
    expect(build((c) => new OriginCluster(c, 'O', { engine: ServerEngine.srs(), autoscaling: { maxReplicas: 4, mode: AutoscalingMode.HPA } })))
      .toThrow(/^OriginCluster 'autoscaling' needs an engine with metrics: with SRS use ServerEngine.srs\(\{ exporter: true \}\)/);
  });

  test('monitoring, network policy and ingress props', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { engine: ServerEngine.srs(), monitoring: {} })))
      .toThrow(/^EdgeCluster 'monitoring' needs an engine with metrics: with SRS use ServerEngine.srs\(\{ exporter: true \}\)/);
    expect(build((c) => new EdgeCluster(c, 'E', { monitoring: { interval: '15 seconds' } })))
      .toThrow("EdgeCluster 'monitoring.interval' must be a Prometheus duration such as '15s' or '1m', got \"15 seconds\"");
    expect(build((c) => new EdgeCluster(c, 'E', { monitoring: { thresholds: { stalledStreamSeconds: 0 } } })))
      .toThrow("EdgeCluster 'monitoring.thresholds.stalledStreamSeconds' must be a number > 0, got 0");
    expect(build((c) => new SingleOrigin(c, 'S', { networkPolicy: { extraEgressPorts: [0] } })))
      .toThrow("SingleOrigin 'networkPolicy.extraEgressPorts[0]' must be an integer port in 1-65535, got 0");
    expect(build((c) => new SingleOrigin(c, 'S', { networkPolicy: { monitoringNamespaceLabels: {} } })))
      .toThrow(/^SingleOrigin 'networkPolicy.monitoringNamespaceLabels' must hold at least one label/);
    expect(build((c) => new SingleOrigin(c, 'S', { ingress: { host: 'live.example.com' } })))
      .toThrow(/^SingleOrigin 'ingress.gateway' is required with kind 'gateway'/);
    expect(build((c) => new SingleOrigin(c, 'S', { ingress: { host: 'Not A Host', kind: IngressKind.INGRESS } })))
      .toThrow("SingleOrigin 'ingress.host' must be a DNS host name such as live.example.com, got \"Not A Host\"");
    expect(build((c) => new OriginCluster(c, 'O', { ingress: { host: 'a.example.com', hlsHost: 'b.example.com', gateway: { name: 'g' } } })))
      .toThrow(/^OriginCluster 'ingress.hlsHost' is only used by an EdgeCluster that creates its origin/);
  });
});
