import { ExternalTrafficPolicy } from '../services';

/** Options every preset takes. */
export interface LoadBalancerPresetOptions {
  /** A load balancer reachable only inside the VPC/VNet instead of from the internet. @default false */
  readonly internal?: boolean;
}

/** Options of {@link LoadBalancerPreset.aws}. */
export interface AwsLoadBalancerOptions extends LoadBalancerPresetOptions {
  /** Spread each client's connections over targets in every zone. @default true */
  readonly crossZone?: boolean;
}

/** Options of {@link LoadBalancerPreset.alibaba}. */
export interface AlibabaLoadBalancerOptions extends LoadBalancerPresetOptions {
  /** Attach to an existing CLB/SLB by id (the SRS guide's "one SLB and EIP"). @default - ACK creates one */
  readonly loadBalancerId?: string;
  /** CLB specification when ACK creates the instance. @default 'slb.s1.small' */
  readonly spec?: string;
}

/** Options of {@link LoadBalancerPreset.tencent}. */
export interface TencentLoadBalancerOptions extends LoadBalancerPresetOptions {
  /** Subnet of an internal CLB; required with `internal`. @default - none */
  readonly subnetId?: string;
  /** Attach to an existing CLB by id. @default - TKE creates one */
  readonly loadBalancerId?: string;
}

/**
 * Cloud load balancer settings for the public (RTMP and HTTP) Services, one factory per cloud: the
 * annotations each cloud's controller reads and the `externalTrafficPolicy` that keeps the client's address
 * (publish auth, logs and per-IP limits see the real client). Pass it as the `loadBalancer` prop; the
 * `serviceAnnotations` and `externalTrafficPolicy` props still win over it.
 */
export class LoadBalancerPreset {
  /**
   * AWS: a Network Load Balancer from the AWS Load Balancer Controller, targeting pod IPs directly
   * (no node hop) with client-IP preservation on.
   * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/
   */
  public static aws(options: AwsLoadBalancerOptions = {}): LoadBalancerPreset {
    checkOptions('aws', options, ['internal', 'crossZone']);
    const attributes = (options.crossZone ?? true) ? 'load_balancing.cross_zone.enabled=true' : 'load_balancing.cross_zone.enabled=false';
    return new LoadBalancerPreset('aws', {
      // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-type
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#nlb-target-type
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-scheme
      'service.beta.kubernetes.io/aws-load-balancer-scheme': options.internal ? 'internal' : 'internet-facing',
      // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#load-balancer-attributes
      'service.beta.kubernetes.io/aws-load-balancer-attributes': attributes,
      // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#target-group-attributes
      'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true',
    }, ExternalTrafficPolicy.LOCAL);
  }

  /**
   * Google Kubernetes Engine: a backend-service-based passthrough Network Load Balancer (internal with
   * `internal`). Passthrough keeps the client IP with `externalTrafficPolicy: Local`.
   * @see https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters
   */
  public static gke(options: LoadBalancerPresetOptions = {}): LoadBalancerPreset {
    checkOptions('gke', options, ['internal']);
    return new LoadBalancerPreset('gke', options.internal
      // https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing
      ? { 'networking.gke.io/load-balancer-type': 'Internal' }
      // https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer#backend-service-based
      : { 'cloud.google.com/l4-rbs': 'enabled' }, ExternalTrafficPolicy.LOCAL);
  }

  /**
   * Azure Kubernetes Service: the Azure Standard Load Balancer (internal with `internal`), TCP health probes;
   * `externalTrafficPolicy: Local` keeps the client IP.
   * @see https://cloud-provider-azure.sigs.k8s.io/topics/loadbalancer/#loadbalancer-annotations
   */
  public static aks(options: LoadBalancerPresetOptions = {}): LoadBalancerPreset {
    checkOptions('aks', options, ['internal']);
    return new LoadBalancerPreset('aks', {
      // https://learn.microsoft.com/azure/aks/internal-lb
      'service.beta.kubernetes.io/azure-load-balancer-internal': options.internal ? 'true' : 'false',
      // RTMP is not HTTP: probe the port over TCP (https://cloud-provider-azure.sigs.k8s.io/topics/loadbalancer/#custom-load-balancer-health-probe)
      'service.beta.kubernetes.io/azure-load-balancer-health-probe-protocol': 'tcp',
    }, ExternalTrafficPolicy.LOCAL);
  }

  /**
   * Alibaba Cloud ACK: a CLB (SLB) with an internet or intranet address, optionally an existing instance by id
   * as the SRS guide sets it up; `externalTrafficPolicy: Local` keeps the client IP.
   * @see https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/add-annotations-to-the-yaml-file-of-a-service-to-configure-clb-instances
   */
  public static alibaba(options: AlibabaLoadBalancerOptions = {}): LoadBalancerPreset {
    checkOptions('alibaba', options, ['internal', 'loadBalancerId', 'spec']);
    const annotations: Record<string, string> = {
      'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': options.internal ? 'intranet' : 'internet',
    };
    if (options.loadBalancerId) {
      annotations['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id'] = options.loadBalancerId;
      annotations['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-force-override-listeners'] = 'true';
    } else {
      annotations['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-spec'] = options.spec ?? 'slb.s1.small';
    }
    return new LoadBalancerPreset('alibaba', annotations, ExternalTrafficPolicy.LOCAL);
  }

  /**
   * Tencent Cloud TKE: a CLB that forwards straight to the pods (direct access), which keeps the client IP;
   * internal with `internal` and `subnetId`, or an existing CLB by id.
   * @see https://www.tencentcloud.com/document/product/457/36833
   */
  public static tencent(options: TencentLoadBalancerOptions = {}): LoadBalancerPreset {
    checkOptions('tencent', options, ['internal', 'subnetId', 'loadBalancerId']);
    if (options.internal && !options.subnetId) {
      throw new Error("LoadBalancerPreset.tencent() 'internal' needs 'subnetId' (the subnet of the internal CLB), got none");
    }
    // https://www.tencentcloud.com/document/product/457/41897 (direct access to pods)
    const annotations: Record<string, string> = { 'service.cloud.tencent.com/direct-access': 'true' };
    // https://www.tencentcloud.com/document/product/457/36833 (internal CLB, existing CLB)
    if (options.internal) annotations['service.kubernetes.io/qcloud-loadbalancer-internal-subnetid'] = options.subnetId!;
    if (options.loadBalancerId) annotations['service.kubernetes.io/tke-existed-lbid'] = options.loadBalancerId;
    return new LoadBalancerPreset('tencent', annotations, ExternalTrafficPolicy.LOCAL);
  }

  private constructor(
    /** Which cloud (aws, gke, aks, alibaba, tencent). */
    public readonly cloud: string,
    /** Annotations added to every public Service. */
    public readonly annotations: Readonly<Record<string, string>>,
    /** The traffic policy that keeps the client IP on this cloud. */
    public readonly externalTrafficPolicy: ExternalTrafficPolicy,
  ) {}
}

/** Options come from TypeScript or plain JS/YAML: an unknown key is a typo, not something to ignore. */
function checkOptions(cloud: string, options: object, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object') {
    throw new Error(`LoadBalancerPreset.${cloud}() options must be an object, got ${JSON.stringify(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new Error(`LoadBalancerPreset.${cloud}() option '${key}' is unknown; allowed: ${allowed.join(', ')}`);
    }
  }
  const internal = (options as LoadBalancerPresetOptions).internal;
  if (internal !== undefined && typeof internal !== 'boolean') {
    throw new Error(`LoadBalancerPreset.${cloud}() option 'internal' must be true or false, got ${JSON.stringify(internal)}`);
  }
}
