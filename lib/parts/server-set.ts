import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerEngine, ServerWiring, Upstream } from '../engines/engine';
import { ResolvedCanary } from './canary';
import { addCanaryTrack } from './canary-track';
import { createPdb } from './pdb';
import { ResolvedContainerSize } from './resources';
import { ServerWorkload } from './server-workload';
import { createService, servicePort } from './services';
import { ResolvedRecording } from './recording';
import { ResolvedTls } from './tls';

/** Object names of a server set. */
export interface ServerSetNames {
  /** StatefulSet (pods are `<statefulSet>-0`, `-1`, ...). */
  readonly statefulSet: string;
  /** Headless Service governing the StatefulSet; its DNS name resolves to every ready server. */
  readonly headlessService: string;
  /** ConfigMap. */
  readonly configMap: string;
  /** PodDisruptionBudget. */
  readonly pdb: string;
  /** `app` label of the pods. */
  readonly app: string;
}

/** What a server set is built from. */
export interface ServerSetOptions {
  /** Server engine. */
  readonly engine: IServerEngine;
  /** Role and upstreams of every server. */
  readonly wiring: ServerWiring;
  /** Object names. */
  readonly names: ServerSetNames;
  /** Server count. */
  readonly replicas: number;
  /** Container CPU and memory. */
  readonly size: ResolvedContainerSize;
  /** Create the PodDisruptionBudget. */
  readonly pdb: boolean;
  /**
   * Label the pods `track: stable` so a canary can join later without changing the (immutable) selector.
   * @default false
   */
  readonly tracked?: boolean;
  /** A canary StatefulSet (`<statefulSet>-canary`) under the same headless Service; needs `tracked`. @default - none */
  readonly canary?: ResolvedCanary;
  /** Construct class name, for errors about canary names. @default 'ServerSet' */
  readonly owner?: string;
  /** RTMPS and HTTPS on every server. @default - no TLS */
  readonly tls?: ResolvedTls;
  /** Every server records to one shared claim (ReadWriteMany when more than one server). @default - no recording */
  readonly recording?: ResolvedRecording;
}

/**
 * The servers of a set as upstream addresses on `port`: the headless Service name (resolves to all ready
 * servers, re-resolved by the companion server as the set scales) and each pod's stable DNS name (for SRS).
 */
export function serverSetUpstream(names: ServerSetNames, replicas: number, port: number): Upstream {
  const members = Array.from({ length: replicas }, (_, i) => `${names.statefulSet}-${i}.${names.headlessService}:${port}`);
  return { dynamic: [`${names.headlessService}:${port}`], members };
}

/**
 * N identical servers with stable names: a StatefulSet (parallel pod management, rolling updates one pod at
 * a time), its headless Service (RTMP, HTTP, API) and a PodDisruptionBudget. Relay servers and cluster origins.
 */
export class ServerSet extends Construct {
  /** The servers (StatefulSet, ConfigMap, containers). */
  public readonly servers: ServerWorkload;
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless Service. */
  public readonly headlessService: kplus.Service;
  /** The PodDisruptionBudget, unless disabled. */
  public readonly pdb?: k8s.KubePodDisruptionBudget;
  /** The canary servers, when `canary` is set. */
  public readonly canary?: ServerWorkload;
  /** The canary's PodDisruptionBudget, when there is a canary and `pdb`. */
  public readonly canaryPdb?: k8s.KubePodDisruptionBudget;

  public constructor(scope: Construct, id: string, options: ServerSetOptions) {
    super(scope, id);
    const { names, engine } = options;
    const track = options.tracked ? 'stable' as const : undefined;
    const p = engine.ports;
    this.headlessService = createService(this, 'Headless', {
      name: names.headlessService,
      app: names.app,
      kind: 'headless',
      ports: [
        servicePort('rtmp', p.rtmp),
        servicePort('http', p.http),
        servicePort('api', p.api),
      ],
    });
    this.servers = new ServerWorkload(this, 'Servers', {
      engine,
      wiring: options.wiring,
      name: names.statefulSet,
      configMapName: names.configMap,
      app: names.app,
      replicas: options.replicas,
      size: options.size,
      headlessService: this.headlessService,
      track,
      tls: options.tls,
      recording: options.recording,
    });
    this.statefulSet = this.servers.workload as kplus.StatefulSet;
    if (options.pdb) this.pdb = createPdb(this, 'Pdb', names.pdb, names.app, track);
    if (options.canary) {
      const owner = options.owner ?? 'ServerSet';
      if (!options.tracked) throw new Error(`${owner} 'canary' needs a tracked server set`);
      const canary = addCanaryTrack(this, {
        owner, name: names.statefulSet, configMapName: names.configMap, pdbName: names.pdb,
        app: names.app, wiring: options.wiring, headlessService: this.headlessService, pdb: options.pdb,
      }, options.canary);
      this.canary = canary.servers;
      this.canaryPdb = canary.pdb;
    }
  }
}
