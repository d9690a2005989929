import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * Probe timing shared by every container. Readiness reacts within ~10 s (2 failures, 5 s apart) so a draining
 * or stuck server leaves the Service quickly; liveness restarts only after ~30 s of silence so a busy event loop
 * is not killed for one slow answer.
 */
export const READINESS_TIMING: kplus.ProbeOptions = {
  periodSeconds: Duration.seconds(5),
  timeoutSeconds: Duration.seconds(2),
  failureThreshold: 2,
};

/** See READINESS_TIMING. */
export const LIVENESS_TIMING: kplus.ProbeOptions = {
  initialDelaySeconds: Duration.seconds(5),
  periodSeconds: Duration.seconds(10),
  timeoutSeconds: Duration.seconds(3),
  failureThreshold: 3,
};

/** The three named container ports of a media server. */
export function serverContainerPorts(ports: { rtmp: number; http: number; api: number }): kplus.ContainerPort[] {
  return [
    { name: 'rtmp', number: ports.rtmp },
    { name: 'http', number: ports.http },
    { name: 'api', number: ports.api },
  ];
}
