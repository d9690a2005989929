import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine } from '../engines/engine';
import { rejectCanary } from './canary';
import { NginxProps, resolveCommon, resolveNames, resolveNginx, ServerConstructProps } from './common-props';
import { NGINX_PORT } from './nginx';
import { ServerWorkload } from './server-workload';
import { checkPublicPorts, createService, PortSpec, servicePort } from './services';
import { Operations } from './ops/operations';
import { servicePortFor } from './ops/topology';
import { resolveRecording } from './recording';
import { resolveTls, tlsServicePorts } from './tls';

/** Object names of a one-origin topology (each concrete construct documents its defaults). */
export interface StandaloneOriginNames {
  /** Origin Deployment. */
  readonly deployment: string;
  /** Public Service. */
  readonly service: string;
  /** Server ConfigMap. */
  readonly configMap: string;
  /** `app` label of the origin pods. */
  readonly app: string;
  /** nginx ConfigMap, used only with nginx. @default '<name>-nginx-config' */
  readonly nginxConfigMap?: string;
}

/** Public ports of a one-origin topology. */
export interface StandaloneOriginPorts {
  /** nginx, only with nginx. @default 80 */
  readonly hls?: number;
  /** RTMP. @default the engine's RTMP port */
  readonly rtmp?: number;
  /** HTTP-FLV/HLS. @default the engine's HTTP port */
  readonly http?: number;
  /** API, only with `exposeApi`. @default the engine's API port */
  readonly api?: number;
}

/** How a concrete one-origin construct differs from the others. */
export interface StandaloneOriginLayout {
  /** Construct class name, for errors. */
  readonly owner: string;
  /** Default names from the `name` prefix. */
  readonly defaultNames: (name: string) => StandaloneOriginNames;
  /** The nginx props when the origin pod has the nginx sidecar. @default - no nginx */
  readonly nginx?: NginxProps;
}

/**
 * The shared body of SingleOrigin and OriginWithNginx: one origin Deployment (optionally with nginx sharing its
 * HLS volume) behind one LoadBalancer whose ports are, in the guide's order, [hls], rtmp, [api], http.
 */
export abstract class StandaloneOrigin extends Construct {
  /** Name prefix. */
  public readonly name: string;
  /** Server engine. */
  public readonly engine: IServerEngine;
  /** Resolved object names. */
  public readonly names: StandaloneOriginNames;
  /** Whether the API is on the public Service. */
  public readonly exposeApi: boolean;
  /** The origin (Deployment, ConfigMap, containers, volumes). */
  public readonly origin: ServerWorkload;
  /** The origin Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The server ConfigMap. */
  public readonly configMap: kplus.ConfigMap;
  /** The public Service. */
  public readonly service: kplus.Service;
  /** Monitoring, network policy and HTTPS entry objects (the operations pack props). */
  public readonly operations: Operations;
  /** The recordings claim, with the `recording` prop. */
  public readonly recordingClaim?: kplus.PersistentVolumeClaim;

  protected constructor(
    scope: Construct,
    id: string,
    props: ServerConstructProps & { readonly names?: Partial<StandaloneOriginNames>; readonly ports?: StandaloneOriginPorts },
    layout: StandaloneOriginLayout,
  ) {
    super(scope, id);
    const { owner } = layout;
    rejectCanary(owner, props);
    const common = resolveCommon(owner, props);
    this.name = common.name;
    this.engine = common.engine;
    this.exposeApi = props.exposeApi ?? false;
    this.names = resolveNames(owner, props.names, layout.defaultNames(this.name));
    const nginx = layout.nginx ? resolveNginx(owner, layout.nginx, this.engine, this.names.nginxConfigMap ?? `${this.name}-nginx-config`) : undefined;
    const p = this.engine.ports;
    const tls = resolveTls(owner, props.tls, this.engine);
    const recording = resolveRecording(owner, props.recording, this.engine, 1);
    const ports: PortSpec[] = [
      ...(nginx ? [servicePort('hls', NGINX_PORT, props.ports?.hls)] : []),
      servicePort('rtmp', p.rtmp, props.ports?.rtmp),
      ...(this.exposeApi ? [servicePort('api', p.api, props.ports?.api)] : []),
      servicePort('http', p.http, props.ports?.http),
      ...tlsServicePorts(tls),
    ];
    checkPublicPorts(owner, [{ prop: 'ports', ports }], false);

    this.origin = new ServerWorkload(this, 'Origin', {
      engine: this.engine,
      wiring: { role: 'origin', hlsSharedDir: nginx !== undefined },
      name: this.names.deployment,
      configMapName: this.names.configMap,
      app: this.names.app,
      replicas: 1,
      size: common.size,
      nginx,
      tls,
      recording,
    });
    this.deployment = this.origin.workload as kplus.Deployment;
    this.recordingClaim = this.origin.recordingClaim;
    this.configMap = this.origin.configMap;
    this.service = createService(this, 'Service', { name: this.names.service, app: this.names.app, ports, kind: 'public' }, props);
    this.operations = new Operations(this, 'Operations', {
      owner, name: this.name, engine: this.engine, cpuRequestMillis: common.size.cpuRequestMillis,
      workloads: [{ app: this.names.app, role: 'origin', publicPorts: ports.map((q) => q.targetPort), peerIngress: [], peerEgress: [] }],
      httpBackends: [{ service: this.service, port: servicePortFor(ports, p.http), host: 'main' }],
    }, props);
  }
}
