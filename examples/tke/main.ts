// rtmp-k8s on Tencent Kubernetes Engine (TKE).
// The SRS guide's edge cluster (an origin, 3 edges serving RTMP, HTTP-FLV and HLS) with this cloud's
// load balancer settings. `DEMO=1 npx cdk8s synth` adds a demo stream publisher.
import { App, Chart } from 'cdk8s';
import { DemoPublisher, EdgeCluster, SharedLoadBalancer } from 'rtmp-k8s';

const app = new App();
const chart = new Chart(app, 'rtmp');
const cluster = new EdgeCluster(chart, 'EdgeCluster', {
  // With TKE_LB_ID, every Service reuses that existing CLB (one address for everything, ports must differ);
  // without it, TKE creates a public CLB per Service.
  ...(process.env.TKE_LB_ID
    ? { sharedLoadBalancer: SharedLoadBalancer.fromAnnotations({ 'service.kubernetes.io/tke-existed-lbid': process.env.TKE_LB_ID }) }
    : {}),
});
if (process.env.DEMO === '1') new DemoPublisher(chart, 'Demo', { topology: cluster });
app.synth();
