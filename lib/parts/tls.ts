import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine } from '../engines/engine';
import { checkDistinctPorts, checkName } from './checks';
import { PortSpec, servicePort } from './services';

/**
 * TLS ingest and delivery: RTMPS for publishers, HTTPS for players, with the certificate of a
 * `kubernetes.io/tls` Secret (e.g. one cert-manager issues and renews).
 */
export interface TlsProps {
  /**
   * Name of a `kubernetes.io/tls` Secret in the chart's namespace (keys `tls.crt` and `tls.key`). It is mounted
   * as a directory, so a renewed certificate reaches the server, which serves it to new connections without a
   * restart. The server listens on RTMPS (`serverConfig.rtmps.port`, 1443) and HTTPS (`serverConfig.https.port`,
   * 8088), and the construct's public Services get those ports.
   */
  readonly secretName: string;
}

/** The checked `tls` prop with the engine's TLS ports. */
export interface ResolvedTls {
  /** The Secret's name. */
  readonly secretName: string;
  /** RTMPS container (and Service) port. */
  readonly rtmps: number;
  /** HTTPS container (and Service) port. */
  readonly https: number;
}

/** Checks the `tls` prop against the engine: it must terminate TLS itself, on ports of its own. */
export function resolveTls(owner: string, tls: TlsProps | undefined, engine: IServerEngine): ResolvedTls | undefined {
  if (tls === undefined) return undefined;
  const secretName = checkName(owner, 'tls.secretName', tls.secretName);
  if (!engine.tlsPorts) {
    throw new Error(`${owner} 'tls' needs an engine that serves RTMPS and HTTPS itself (ServerEngine.companion()); the ${engine.engineName} engine does not`);
  }
  const { rtmps, https } = engine.tlsPorts;
  checkDistinctPorts(owner, [
    ['engine rtmp port', engine.ports.rtmp],
    ['engine http port', engine.ports.http],
    ['engine api port', engine.ports.api],
    ['tls rtmps port (serverConfig.rtmps.port)', rtmps],
    ['tls https port (serverConfig.https.port)', https],
  ]);
  return { secretName, rtmps, https };
}

/** The TLS ports of a public Service: RTMPS for publishers, HTTPS for players (both unless `only` narrows it). */
export function tlsServicePorts(tls: ResolvedTls | undefined, only?: 'rtmps'): PortSpec[] {
  if (!tls) return [];
  const ports = [{ ...servicePort('rtmps', tls.rtmps), prop: 'tls (rtmps)' }];
  if (only !== 'rtmps') ports.push({ ...servicePort('https', tls.https), prop: 'tls (https)' });
  return ports;
}

/** The Secret as a pod volume (a directory mount: no subPath, so renewals reach the pod). */
export function tlsVolume(scope: Construct, tls: ResolvedTls): kplus.Volume {
  const secret = kplus.Secret.fromSecretName(scope, 'TlsSecret', tls.secretName);
  return kplus.Volume.fromSecret(scope, 'TlsVolume', secret, { name: 'tls-volume' });
}
