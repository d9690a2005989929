// rtmp-k8s on Google Kubernetes Engine (GKE).
// The SRS guide's edge cluster (an origin, 3 edges serving RTMP, HTTP-FLV and HLS) with this cloud's
// load balancer settings. `DEMO=1 npx cdk8s synth` adds a demo stream publisher.
import { App, Chart } from 'cdk8s';
import { DemoPublisher, EdgeCluster, ExternalTrafficPolicy } from 'rtmp-k8s';

const app = new App();
const chart = new Chart(app, 'rtmp');
const cluster = new EdgeCluster(chart, 'EdgeCluster', {
  // GKE's backend-service-based external passthrough Network Load Balancer: TCP straight to the nodes running a
  // pod, the client's address kept.
  serviceAnnotations: { 'cloud.google.com/l4-rbs': 'enabled' },
  externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
});
if (process.env.DEMO === '1') new DemoPublisher(chart, 'Demo', { topology: cluster });
app.synth();
