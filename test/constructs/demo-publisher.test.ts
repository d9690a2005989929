// DemoPublisher at synth time: every app chart with `demo: true` gets a publisher aimed at a Service of that chart
// on a port that forwards to the server's RTMP port; props that cannot work fail with the prop named.
import { Chart, Testing } from 'cdk8s';
import { CHARTS } from '../../apps/charts';
import { DemoPublisher, DemoSource, EdgeCluster, RelayCluster, SingleOrigin } from '../../lib';
import { validateK8s } from './support/k8s-schema';
import { find, K8sObject, synth } from './support/synth';

const publisherOf = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('demo-publisher'))!;
const urlOf = (objects: K8sObject[]) => { const a = publisherOf(objects).spec.template.spec.containers[0].args; return a[a.length - 1] as string; };

describe.each(Object.keys(CHARTS).filter((id) => id !== 'demo-publisher'))('%s with demo: true', (id) => {
  const objects = synth((c) => CHARTS[id](c, { demo: true }));

  test('publishes to a Service of the chart whose port forwards to RTMP, and the chart stays schema-valid', () => {
    const m = /^rtmp:\/\/([^:/]+):(\d+)\/live\/livestream$/.exec(urlOf(objects))!;
    expect(m).not.toBeNull();
    const svc = find(objects, 'Service', m[1]);
    const port = svc.spec.ports.find((p: any) => p.port === Number(m[2]));
    expect(port.targetPort).toBe(1935);
    expect(svc.spec.type).toBe('LoadBalancer');
    for (const o of objects) expect(() => validateK8s(o)).not.toThrow();
  });
});

describe('publish address', () => {
  test('follows custom public ports and the namespace, RelayCluster publishes to the relay Service', () => {
    const chart = Testing.chart();
    const ns = new Chart(chart, 'ns', { namespace: 'live' });
    const edge = new EdgeCluster(ns, 'E', { ports: { rtmp: 19350 } });
    expect(new DemoPublisher(ns, 'D', { topology: edge, stream: 'cam1' }).url).toBe('rtmp://rtmp-edge-service.live:19350/live/cam1');
    const relay = synth((c) => new DemoPublisher(c, 'D', { topology: new RelayCluster(c, 'R', { ingestPort: 1940 }) }));
    expect(urlOf(relay)).toBe('rtmp://rtmp-relay-service:1940/live/livestream');
  });

  test('a URL source loops a file in real time; the test pattern can be resized', () => {
    const p = synth((c) => new DemoPublisher(c, 'D', { url: 'rtmp://example.com/live/x', source: DemoSource.fromUrl('https://example.com/clip.mp4') }));
    const args = publisherOf(p).spec.template.spec.containers[0].args;
    expect(args.slice(args.indexOf('-stream_loop'), args.indexOf('-stream_loop') + 4)).toEqual(['-stream_loop', '-1', '-i', 'https://example.com/clip.mp4']);
    expect(DemoSource.testPattern({ size: '1280x720' }).inputArgs).toContain('testsrc2=size=1280x720:rate=25');
  });
});

describe('DemoPublisher errors at synth time', () => {
  const build = (f: (c: Chart) => void) => () => f(Testing.chart());
  test('exactly one target', () => {
    expect(build((c) => new DemoPublisher(c, 'D', {}))).toThrow("DemoPublisher needs exactly one of 'topology' and 'url', got neither");
    expect(build((c) => new DemoPublisher(c, 'D', { topology: new SingleOrigin(c, 'S'), url: 'rtmp://h/live/s' })))
      .toThrow("DemoPublisher needs exactly one of 'topology' and 'url', got both");
  });
  test('bad url, stream, name, source', () => {
    expect(build((c) => new DemoPublisher(c, 'D', { url: 'http://h/live/s' }))).toThrow("DemoPublisher 'url' must be rtmp://host[:port]/app/stream or rtmps://..., got \"http://h/live/s\"");
    expect(build((c) => new DemoPublisher(c, 'D', { topology: new SingleOrigin(c, 'S'), stream: 'a/b' }))).toThrow("DemoPublisher 'stream' must be letters, digits, \"_\" or \"-\", got \"a/b\"");
    expect(build((c) => new DemoPublisher(c, 'D', { url: 'rtmp://h/live/s', name: 'Demo' }))).toThrow("DemoPublisher 'name' must be a DNS-1123 label");
    expect(() => DemoSource.testPattern({ frameRate: 0 })).toThrow("DemoPublisher 'source.frameRate' must be an integer >= 1, got 0");
    expect(() => DemoSource.fromUrl('ftp://x')).toThrow("DemoPublisher 'source' URL must be http(s)://..., got \"ftp://x\"");
  });
});
