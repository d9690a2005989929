// rtmp-k8s on any Kubernetes cluster.
// The SRS guide's edge cluster (an origin, 3 edges serving RTMP, HTTP-FLV and HLS) with this cloud's
// load balancer settings. `DEMO=1 npx cdk8s synth` adds a demo stream publisher.
import { App, Chart } from 'cdk8s';
import { DemoPublisher, EdgeCluster, ExternalTrafficPolicy } from 'rtmp-k8s';

const app = new App();
const chart = new Chart(app, 'rtmp');
const cluster = new EdgeCluster(chart, 'EdgeCluster', {
  // A plain LoadBalancer Service per entry point; `Local` keeps the viewers' and publishers' addresses
  // (publish auth, logs). On bare metal, install MetalLB first (or use `SharedLoadBalancer.metalLb('rtmp')`
  // to put every Service on one IP).
  externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
});
if (process.env.DEMO === '1') new DemoPublisher(chart, 'Demo', { topology: cluster });
app.synth();
