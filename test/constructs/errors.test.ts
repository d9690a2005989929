import { Chart, Testing } from 'cdk8s';
import { EdgeCluster, OriginCluster, OriginWithNginx, RelayCluster, ServerEngine, SharedLoadBalancer, SingleOrigin } from '../../lib';

/** Builds in a fresh chart; the constructors throw at synth (construction) time. */
function build(f: (c: Chart) => void): () => void {
  return () => f(Testing.chart());
}

describe('bad props fail at synth time with the prop, the value and what is allowed', () => {
  test('replicas < 1', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { edgeReplicas: 0 })))
      .toThrow("EdgeCluster 'edgeReplicas' must be an integer >= 1, got 0");
    expect(build((c) => new EdgeCluster(c, 'E', { edgeReplicas: 2.5 })))
      .toThrow("EdgeCluster 'edgeReplicas' must be an integer >= 1, got 2.5");
  });

  test('public port outside 1-65535', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { ports: { rtmp: 0 } })))
      .toThrow("SingleOrigin 'ports.rtmp' must be an integer port in 1-65535, got 0");
    expect(build((c) => new OriginWithNginx(c, 'O', { ports: { hls: 70000 } })))
      .toThrow("OriginWithNginx 'ports.hls' must be an integer port in 1-65535, got 70000");
  });

  test('server port outside 1-65535', () => {
    expect(() => ServerEngine.companion({ serverConfig: { api: { port: 65536 } } }))
      .toThrow("CompanionEngine 'serverConfig.api.port' must be an integer port in 1-65535, got 65536");
  });

  test('colliding ports on one Service', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { ports: { rtmp: 8080 } })))
      .toThrow("SingleOrigin 'ports.http' and 'ports.rtmp' are both 8080: ports that share a listener must differ");
  });

  test('colliding ports across Services that share one load balancer', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { originHttpService: true, ports: { hls: 8080 }, sharedLoadBalancer: SharedLoadBalancer.metalLb('k') })))
      .toThrow("EdgeCluster 'ports.http' and 'ports.hls' are both 8080");
    // Without sharing, each Service has its own address: no collision.
    expect(build((c) => new EdgeCluster(c, 'E', { originHttpService: true, ports: { hls: 8080 } }))).not.toThrow();
  });

  test('colliding server listeners', () => {
    expect(() => ServerEngine.companion({ serverConfig: { http: { port: 1935 } } }))
      .toThrow("CompanionEngine 'serverConfig.http.port' and 'serverConfig.rtmp.port' are both 1935: ports that share a listener must differ");
  });

  test('server port colliding with nginx in the same pod', () => {
    const engine = ServerEngine.companion({ serverConfig: { http: { port: 80 } } });
    expect(build((c) => new OriginWithNginx(c, 'O', { engine })))
      .toThrow("OriginWithNginx 'nginx port' and 'engine http port' are both 80: ports that share a listener must differ");
    // Edges alone have no nginx: the same engine is fine there.
    expect(build((c) => new EdgeCluster(c, 'E', { engine, createOrigin: false, externalOrigins: ['o:1935'] }))).not.toThrow();
  });

  test('names that are not valid Kubernetes names', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { name: 'Bad_Name' })))
      .toThrow(/^SingleOrigin 'name' must be a DNS-1123 label .*, got "Bad_Name"$/);
    expect(build((c) => new EdgeCluster(c, 'E', { names: { edgeService: 'x'.repeat(64) } })))
      .toThrow(/^EdgeCluster 'names.edgeService' must be a DNS-1123 label/);
    expect(build((c) => new OriginWithNginx(c, 'O', { names: { app: '-app' } })))
      .toThrow(/^OriginWithNginx 'names.app' must be a DNS-1123 label .*, got "-app"$/);
  });

  test('an edge cluster with no origin', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { createOrigin: false })))
      .toThrow("EdgeCluster has no origin: 'createOrigin' is false and 'externalOrigins' is empty");
    expect(build((c) => new EdgeCluster(c, 'E', { externalOrigins: ['o:1935'] })))
      .toThrow("EdgeCluster 'externalOrigins' ([\"o:1935\"]) needs 'createOrigin' false");
    expect(build((c) => new EdgeCluster(c, 'E', { createOrigin: false, externalOrigins: ['origin-without-port'] })))
      .toThrow("EdgeCluster 'externalOrigins' must hold host:port addresses with a port in 1-65535, got \"origin-without-port\"");
  });

  test('the origin HTTP LoadBalancer: props that need it, and SRS, whose edges do no HLS, cannot drop it', () => {
    expect(build((c) => new EdgeCluster(c, 'E', { nginxImage: 'nginx:1' })))
      .toThrow("EdgeCluster 'nginxImage' need 'originHttpService' true: they configure the origin's nginx and its HTTP LoadBalancer");
    expect(build((c) => new EdgeCluster(c, 'E', { exposeApi: true, ports: { hls: 81 } })))
      .toThrow("EdgeCluster 'exposeApi', 'ports.hls' need 'originHttpService' true");
    expect(build((c) => new EdgeCluster(c, 'E', { engine: ServerEngine.srs(), originHttpService: false })))
      .toThrow("EdgeCluster 'originHttpService' is false, but srs edges do no HLS: set it to true (or unset) so HLS viewers have a way in");
    expect(build((c) => new EdgeCluster(c, 'E', { createOrigin: false, externalOrigins: ['o:1935'], originHttpService: true })))
      .toThrow("EdgeCluster 'originHttpService' needs 'createOrigin' true");
  });

  test('a negative resource', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { resources: { cpuRequestMillis: -1 } })))
      .toThrow("SingleOrigin 'resources.cpuRequestMillis' must be a finite number >= 0, got -1");
    expect(build((c) => new OriginWithNginx(c, 'O', { nginxResources: { memoryLimitMebibytes: -5 } })))
      .toThrow("OriginWithNginx 'nginxResources.memoryLimitMebibytes' must be a finite number >= 0, got -5");
  });

  test('a limit below its request', () => {
    expect(build((c) => new SingleOrigin(c, 'S', { resources: { memoryRequestMebibytes: 2048 } })))
      .toThrow("SingleOrigin 'resources.memoryLimitMebibytes' (1024) must be >= 'resources.memoryRequestMebibytes' (2048)");
  });

  test('an unusable server config', () => {
    const engine = ServerEngine.companion({ serverConfig: { hls: { windowSeconds: 1, fragmentSeconds: 2 } } });
    expect(build((c) => new SingleOrigin(c, 'S', { engine }))).toThrow(/hls.windowSeconds \(1\) must be at least hls.fragmentSeconds \(2\)/);
  });

  test('bad SRS engine options', () => {
    expect(() => ServerEngine.srs({ tag: 'not a tag' })).toThrow("SrsEngine 'tag' must be a Docker image tag, got \"not a tag\"");
    expect(() => ServerEngine.srs({ maxConnections: 0 })).toThrow("SrsEngine 'maxConnections' must be an integer >= 1, got 0");
  });

  test('RelayCluster: server and relay counts < 1', () => {
    expect(build((c) => new RelayCluster(c, 'R', { servers: 0 }))).toThrow("RelayCluster 'servers' must be an integer >= 1, got 0");
    expect(build((c) => new RelayCluster(c, 'R', { relayReplicas: -1 }))).toThrow("RelayCluster 'relayReplicas' must be an integer >= 1, got -1");
  });

  test('RelayCluster: ingest and viewer RTMP ports collide on a shared load balancer', () => {
    expect(build((c) => new RelayCluster(c, 'R', { sharedLoadBalancer: SharedLoadBalancer.metalLb('k') })))
      .toThrow("RelayCluster 'ports.rtmp' and 'ingestPort' are both 1935: ports that share a listener must differ");
    expect(build((c) => new RelayCluster(c, 'R', { sharedLoadBalancer: SharedLoadBalancer.metalLb('k'), ingestPort: 19350 }))).not.toThrow();
    expect(build((c) => new RelayCluster(c, 'R', { ingestPort: 0 }))).toThrow("RelayCluster 'ingestPort' must be an integer port in 1-65535, got 0");
  });

  test('RelayCluster: invalid names', () => {
    expect(build((c) => new RelayCluster(c, 'R', { names: { serverHeadlessService: 'Servers' } })))
      .toThrow(/^RelayCluster 'names.serverHeadlessService' must be a DNS-1123 label .*, got "Servers"$/);
  });

  test('OriginCluster: origin and edge counts < 1', () => {
    expect(build((c) => new OriginCluster(c, 'O', { origins: 0 }))).toThrow("OriginCluster 'origins' must be an integer >= 1, got 0");
    expect(build((c) => new OriginCluster(c, 'O', { edgeReplicas: 0 }))).toThrow("OriginCluster 'edgeReplicas' must be an integer >= 1, got 0");
  });

  test('OriginCluster: exposeApi has no public origin Service to go on', () => {
    expect(build((c) => new OriginCluster(c, 'O', { exposeApi: true }))).toThrow(/^OriginCluster 'exposeApi' must be false or unset, got true/);
  });

  test('OriginCluster: ports out of range or colliding', () => {
    expect(build((c) => new OriginCluster(c, 'O', { ports: { http: 65536 } }))).toThrow("OriginCluster 'ports.http' must be an integer port in 1-65535, got 65536");
    expect(build((c) => new OriginCluster(c, 'O', { ports: { http: 1935 } }))).toThrow("OriginCluster 'ports.http' and 'ports.rtmp' are both 1935");
  });
});
