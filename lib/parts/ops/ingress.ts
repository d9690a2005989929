import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { OpsHttpBackend, OpsTopology } from './topology';

/** Which API publishes the HTTPS entry. */
export enum IngressKind {
  /** Gateway API HTTPRoute attached to an existing Gateway, plus a cert-manager Certificate. */
  GATEWAY = 'gateway',
  /** networking.k8s.io/v1 Ingress with cert-manager's issuer annotation. */
  INGRESS = 'ingress',
}

/** The cert-manager issuer that signs the certificate. */
export interface IssuerRef {
  /** Issuer name. */
  readonly name: string;
  /** `ClusterIssuer` or `Issuer` (same namespace). @default 'ClusterIssuer' */
  readonly kind?: string;
}

/** The Gateway the HTTPRoute attaches to. */
export interface GatewayRef {
  /** Gateway name. */
  readonly name: string;
  /** Gateway namespace. @default - the route's namespace */
  readonly namespace?: string;
  /** Listener (section) of the Gateway. @default - every listener that accepts the route */
  readonly sectionName?: string;
}

/**
 * Props of the `ingress` prop: HTTPS for HTTP-FLV, HLS and the player page (needs cert-manager, and a
 * Gateway API implementation or an Ingress controller). RTMP stays on the TCP LoadBalancer.
 */
export interface IngressProps {
  /** Host name players use (HTTP-FLV, HLS, the player page). */
  readonly host: string;
  /** EdgeCluster with the origin's nginx HLS Service (`originHttpService`, SRS's default): its host. @default 'hls.<host>' */
  readonly hlsHost?: string;
  /** Gateway API or Ingress. @default IngressKind.GATEWAY */
  readonly kind?: IngressKind;
  /** The Gateway to attach to; required with IngressKind.GATEWAY. @default - none */
  readonly gateway?: GatewayRef;
  /** `spec.ingressClassName` with IngressKind.INGRESS. @default - the cluster's default class */
  readonly ingressClassName?: string;
  /** cert-manager issuer. @default { name: 'letsencrypt', kind: 'ClusterIssuer' } */
  readonly issuer?: IssuerRef;
  /** Secret the certificate is stored in. @default '<name>-tls' */
  readonly tlsSecretName?: string;
}

const HOST = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ALLOWED = ['host', 'hlsHost', 'kind', 'gateway', 'ingressClassName', 'issuer', 'tlsSecretName'];

/** The HTTPS entry objects. */
export class HttpsEntry extends Construct {
  /** The HTTPRoute per host (IngressKind.GATEWAY). */
  public readonly httpRoutes: ApiObject[] = [];
  /** The Certificate (IngressKind.GATEWAY; with an Ingress cert-manager creates it from the annotation). */
  public readonly certificate?: ApiObject;
  /** ReferenceGrant letting a Gateway in another namespace read the certificate Secret. */
  public readonly referenceGrant?: ApiObject;
  /** The Ingress (IngressKind.INGRESS). */
  public readonly ingress?: k8s.KubeIngress;
  /** Host names served. */
  public readonly hosts: string[];

  public constructor(scope: Construct, id: string, topology: OpsTopology, props: IngressProps) {
    super(scope, id);
    const { owner, name } = topology;
    const fail = (prop: string, rule: string, value: unknown): never => {
      throw new Error(`${owner} 'ingress.${prop}' ${rule}, got ${JSON.stringify(value)}`);
    };
    for (const key of Object.keys(props)) if (!ALLOWED.includes(key)) fail(key, `is unknown; allowed: ${ALLOWED.join(', ')}`, (props as unknown as Record<string, unknown>)[key]);
    if (typeof props.host !== 'string' || !HOST.test(props.host)) fail('host', 'must be a DNS host name such as live.example.com', props.host);
    const kind = props.kind ?? IngressKind.GATEWAY;
    if (!Object.values(IngressKind).includes(kind)) fail('kind', `must be one of ${Object.values(IngressKind).join(', ')}`, kind);
    const needsHls = topology.httpBackends.some((b) => b.host === 'hls');
    const hlsHost = props.hlsHost ?? `hls.${props.host.replace(/^\*\./, '')}`;
    if (props.hlsHost !== undefined && !needsHls) fail('hlsHost', `is only used by an EdgeCluster that creates its origin (${owner} serves HLS on 'ingress.host')`, props.hlsHost);
    if (needsHls && !HOST.test(hlsHost)) fail('hlsHost', 'must be a DNS host name', hlsHost);
    const hostOf = (b: OpsHttpBackend) => (b.host === 'hls' ? hlsHost : props.host);
    this.hosts = [...new Set(topology.httpBackends.map(hostOf))];
    const issuer = { name: props.issuer?.name ?? 'letsencrypt', kind: props.issuer?.kind ?? 'ClusterIssuer' };
    if (!['ClusterIssuer', 'Issuer'].includes(issuer.kind)) fail('issuer.kind', 'must be ClusterIssuer or Issuer', issuer.kind);
    if (!issuer.name) fail('issuer.name', 'must be a non-empty issuer name', issuer.name);
    const secretName = props.tlsSecretName ?? `${name}-tls`;

    if (kind === IngressKind.GATEWAY) {
      const gw = props.gateway;
      if (!gw?.name) fail('gateway', `is required with kind '${IngressKind.GATEWAY}' (the Gateway the HTTPRoute attaches to, { name, namespace })`, gw);
      this.certificate = new ApiObject(this, 'Certificate', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: `${name}-tls` },
        spec: { secretName, dnsNames: this.hosts, issuerRef: { name: issuer.name, kind: issuer.kind, group: 'cert-manager.io' } },
      });
      topology.httpBackends.forEach((b, i) => {
        this.httpRoutes.push(new ApiObject(this, `Route${i}`, {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: `${b.service.name}-route` },
          spec: {
            parentRefs: [{
              group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gw!.name,
              ...(gw!.namespace ? { namespace: gw!.namespace } : {}),
              ...(gw!.sectionName ? { sectionName: gw!.sectionName } : {}),
            }],
            hostnames: [hostOf(b)],
            rules: [{
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [{ group: '', kind: 'Service', name: b.service.name, port: b.port }],
            }],
          },
        }));
      });
      const ns = Chart.of(scope).namespace;
      if (gw!.namespace && gw!.namespace !== ns) {
        // The Gateway's HTTPS listener references the certificate Secret across namespaces.
        this.referenceGrant = new ApiObject(this, 'ReferenceGrant', {
          apiVersion: 'gateway.networking.k8s.io/v1beta1',
          kind: 'ReferenceGrant',
          metadata: { name: `${name}-tls-from-gateway` },
          spec: {
            from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gw!.namespace }],
            to: [{ group: '', kind: 'Secret', name: secretName }],
          },
        });
      }
    } else {
      if (props.gateway) fail('gateway', `is only used with kind '${IngressKind.GATEWAY}'`, props.gateway);
      const annotation = issuer.kind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer';
      this.ingress = new k8s.KubeIngress(this, 'Ingress', {
        metadata: { name: `${name}-https`, annotations: { [annotation]: issuer.name } },
        spec: {
          ...(props.ingressClassName ? { ingressClassName: props.ingressClassName } : {}),
          tls: [{ hosts: this.hosts, secretName }],
          rules: topology.httpBackends.map((b) => ({
            host: hostOf(b),
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: b.service.name, port: { number: b.port } } } }] },
          })),
        },
      });
    }
    if (kind !== IngressKind.INGRESS && props.ingressClassName) fail('ingressClassName', `is only used with kind '${IngressKind.INGRESS}'`, props.ingressClassName);
  }
}
