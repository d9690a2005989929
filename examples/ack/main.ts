// rtmp-k8s on Alibaba Cloud Container Service for Kubernetes (ACK).
// The SRS guide's edge cluster (an origin, 3 edges serving RTMP, HTTP-FLV and HLS) with this cloud's
// load balancer settings. `DEMO=1 npx cdk8s synth` adds a demo stream publisher.
import { App, Chart } from 'cdk8s';
import { DemoPublisher, EdgeCluster, SharedLoadBalancer } from 'rtmp-k8s';

const app = new App();
const chart = new Chart(app, 'rtmp');
const cluster = new EdgeCluster(chart, 'EdgeCluster', {
  // The guide's "Use One SLB and EIP for All Streaming Service": with SLB_ID, every Service goes on that SLB;
  // without it, ACK creates an internet-facing SLB per Service.
  ...(process.env.SLB_ID
    ? { sharedLoadBalancer: SharedLoadBalancer.alibabaCloud(process.env.SLB_ID) }
    : { serviceAnnotations: { 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'internet' } }),
});
if (process.env.DEMO === '1') new DemoPublisher(chart, 'Demo', { topology: cluster });
app.synth();
