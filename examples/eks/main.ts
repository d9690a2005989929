// rtmp-k8s on Amazon EKS.
// The SRS guide's edge cluster (an origin, 3 edges serving RTMP, HTTP-FLV and HLS) with this cloud's
// load balancer settings. `DEMO=1 npx cdk8s synth` adds a demo stream publisher.
import { App, Chart } from 'cdk8s';
import { DemoPublisher, EdgeCluster, ExternalTrafficPolicy } from 'rtmp-k8s';

const app = new App();
const chart = new Chart(app, 'rtmp');
const cluster = new EdgeCluster(chart, 'EdgeCluster', {
  // A Network Load Balancer through the AWS Load Balancer Controller: TCP passthrough for RTMP/HTTP-FLV with no
  // idle timeout on a playing stream, straight to the pod IPs.
  serviceAnnotations: {
    'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
  },
  externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
});
if (process.env.DEMO === '1') new DemoPublisher(chart, 'Demo', { topology: cluster });
app.synth();
