// rtmp-k8s on Azure Kubernetes Service (AKS).
// The SRS guide's edge cluster (an origin, 3 edges serving RTMP, HTTP-FLV and HLS) with this cloud's
// load balancer settings. `DEMO=1 npx cdk8s synth` adds a demo stream publisher.
import { App, Chart } from 'cdk8s';
import { DemoPublisher, EdgeCluster, ExternalTrafficPolicy, SharedLoadBalancer } from 'rtmp-k8s';

const app = new App();
const chart = new Chart(app, 'rtmp');
const cluster = new EdgeCluster(chart, 'EdgeCluster', {
  // One static public IP for RTMP, HTTP-FLV and HLS (the guide's "one SLB and EIP"): AKS puts every Service naming
  // the same public IP on it (ports must differ; the construct checks). Create the IP first (README).
  sharedLoadBalancer: SharedLoadBalancer.fromAnnotations({
    'service.beta.kubernetes.io/azure-pip-name': process.env.AZURE_PIP_NAME ?? 'rtmp-k8s-ip',
  }),
  externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
});
if (process.env.DEMO === '1') new DemoPublisher(chart, 'Demo', { topology: cluster });
app.synth();
