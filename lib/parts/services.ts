import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkDistinctPorts, checkPort } from './checks';
import type { LoadBalancerPreset } from './ops/load-balancer-preset';

/** Which nodes a LoadBalancer's traffic may be routed through. */
export enum ExternalTrafficPolicy {
  /** Any node; the client address is SNATed away. */
  CLUSTER = 'Cluster',
  /** Only nodes running a pod; keeps the client's source address (useful for publish auth and logs). */
  LOCAL = 'Local',
}

/**
 * Put every public Service of a construct on one cloud load balancer and one IP
 * (the guide's "Use One SLB and EIP for All Streaming Service"). Kubernetes has no portable field for this;
 * each provider shares a load balancer through annotations, which this adds to every public Service.
 * The constructs then check that no two public ports collide.
 */
export class SharedLoadBalancer {
  /** Alibaba Cloud: attach every Service to an existing SLB by id (the guide's setup). */
  public static alibabaCloud(loadBalancerId: string): SharedLoadBalancer {
    return new SharedLoadBalancer({
      'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id': loadBalancerId,
      'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-force-override-listeners': 'true',
    });
  }

  /** MetalLB: Services with the same sharing key (and, optionally, the same requested IP) share one IP. */
  public static metalLb(sharingKey: string, ip?: string): SharedLoadBalancer {
    return new SharedLoadBalancer({
      'metallb.universe.tf/allow-shared-ip': sharingKey,
      ...(ip ? { 'metallb.universe.tf/loadBalancerIPs': ip } : {}),
    });
  }

  /** Any other provider: the annotations that make its Services share one load balancer. */
  public static fromAnnotations(annotations: Record<string, string>): SharedLoadBalancer {
    return new SharedLoadBalancer(annotations);
  }

  private constructor(
    /** Annotations added to every public Service. */
    public readonly annotations: Readonly<Record<string, string>>,
  ) {}
}

/** Options common to every construct's public (LoadBalancer) Services. */
export interface LoadBalancerProps {
  /**
   * Put the HTTP API (1985) on the public Service. The API lists clients (and kicks them once turned on with the
   * engine's `apiTokenSecret`): keep it internal unless something outside the cluster needs it (the SRS guide
   * exposes it).
   * @default false
   */
  readonly exposeApi?: boolean;
  /** Annotations for the public Services (cloud load balancer settings). @default {} */
  readonly serviceAnnotations?: Record<string, string>;
  /** `spec.loadBalancerClass` of the public Services. @default - the cluster's default load balancer */
  readonly loadBalancerClass?: string;
  /** `spec.externalTrafficPolicy` of the public Services. @default - unset (Kubernetes uses Cluster) */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /** `spec.loadBalancerSourceRanges`: CIDRs allowed to connect. @default - unset (everyone) */
  readonly loadBalancerSourceRanges?: string[];
  /** Put every public Service on one load balancer and IP. @default - one load balancer per public Service */
  readonly sharedLoadBalancer?: SharedLoadBalancer;
  /**
   * Cloud preset for the public Services (`LoadBalancerPreset.aws()`, `.gke()`, `.aks()`, `.alibaba()`, `.tencent()`):
   * its annotations and the `externalTrafficPolicy` that keeps the client IP. `serviceAnnotations` and
   * `externalTrafficPolicy` win over it.
   * @default - no preset (the cluster's default load balancer)
   */
  readonly loadBalancer?: LoadBalancerPreset;
}

/** One port of a Service. */
export interface PortSpec {
  /** Short role used in errors and in the fallback port name (rtmp, http, api, hls). */
  readonly role: string;
  /** The prop that sets this port, for errors. @default '<service prop>.<role>' */
  readonly prop?: string;
  /** Port the Service listens on. */
  readonly port: number;
  /** Container port it forwards to. */
  readonly targetPort: number;
}

/** A Service port forwarding to container port `targetPort`, listening on `port` if given (a `ports.*` prop), else on the same number. */
export function servicePort(role: string, targetPort: number, port?: number): PortSpec {
  return { role, port: port ?? targetPort, targetPort };
}

/** Options of one Service. */
export interface ServiceSpec {
  /** Object name. */
  readonly name: string;
  /** `app` label of the pods it selects. */
  readonly app: string;
  /** Ports. */
  readonly ports: readonly PortSpec[];
  /** ClusterIP, headless ClusterIP, or LoadBalancer. */
  readonly kind: 'internal' | 'headless' | 'public';
  /** Headless: publish pods before they are ready (peers find each other while starting). @default false */
  readonly publishNotReadyAddresses?: boolean;
}

/** `<service>-<port>-<targetPort>` as in the guide; a shorter form when that is not a valid port name. */
function portName(service: string, p: PortSpec): string {
  const long = `${service}-${p.port}-${p.targetPort}`;
  return long.length <= 63 ? long : `${p.role}-${p.port}`;
}

/** Creates a Service that selects pods by their `app` label, with the construct's load balancer settings if public. */
export function createService(scope: Construct, id: string, spec: ServiceSpec, lb: LoadBalancerProps = {}): kplus.Service {
  const isPublic = spec.kind === 'public';
  const annotations = isPublic
    ? { ...(lb.loadBalancer?.annotations ?? {}), ...(lb.serviceAnnotations ?? {}), ...(lb.sharedLoadBalancer?.annotations ?? {}) }
    : {};
  const trafficPolicy = lb.externalTrafficPolicy ?? lb.loadBalancer?.externalTrafficPolicy;
  const svc = new kplus.Service(scope, id, {
    metadata: { name: spec.name, labels: { app: spec.app }, annotations },
    type: isPublic ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP,
    clusterIP: spec.kind === 'headless' ? 'None' : undefined,
    publishNotReadyAddresses: spec.publishNotReadyAddresses,
    loadBalancerSourceRanges: isPublic ? lb.loadBalancerSourceRanges : undefined,
    ports: spec.ports.map((p) => ({ name: portName(spec.name, p), port: p.port, targetPort: p.targetPort, protocol: kplus.Protocol.TCP })),
  });
  svc.selectLabel('app', spec.app);
  const api = ApiObject.of(svc);
  if (isPublic && lb.loadBalancerClass) api.addJsonPatch(JsonPatch.add('/spec/loadBalancerClass', lb.loadBalancerClass));
  if (isPublic && trafficPolicy) api.addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', trafficPolicy));
  return svc;
}

/**
 * Checks the public ports of a construct: each in range, distinct within a Service, and distinct across
 * all public Services when they share one load balancer. `owner` and the port's prop name go in errors.
 */
export function checkPublicPorts(owner: string, services: { prop: string; ports: readonly PortSpec[] }[], shared: boolean): void {
  const all: [string, number][] = [];
  for (const s of services) {
    const own: [string, number][] = [];
    for (const p of s.ports) {
      const prop = p.prop ?? `${s.prop}.${p.role}`;
      checkPort(owner, prop, p.port);
      own.push([prop, p.port]);
      all.push([prop, p.port]);
    }
    checkDistinctPorts(owner, own);
  }
  if (shared) checkDistinctPorts(owner, all);
}
