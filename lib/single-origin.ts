import { Construct } from 'constructs';
import { ServerConstructProps } from './parts/common-props';
import { StandaloneOrigin } from './parts/standalone-origin';

/** Object names of a SingleOrigin (the defaults reproduce the guide's Quick Start with `name: 'srs'`). */
export interface SingleOriginNames {
  /** Origin Deployment. @default '<name>-deployment' */
  readonly deployment: string;
  /** Public LoadBalancer Service. @default '<name>-service' */
  readonly service: string;
  /** Server ConfigMap. @default '<name>-config' */
  readonly configMap: string;
  /** `app` label of the origin pods. @default '<name>' */
  readonly app: string;
}

/** Public ports of a SingleOrigin's Service. */
export interface SingleOriginPorts {
  /** RTMP publish/play. @default the engine's RTMP port (1935) */
  readonly rtmp?: number;
  /** HTTP-FLV and HLS. @default the engine's HTTP port (8080) */
  readonly http?: number;
  /** HTTP API, only with `exposeApi`. @default the engine's API port (1985) */
  readonly api?: number;
}

/** Props of {@link SingleOrigin}. */
export interface SingleOriginProps extends ServerConstructProps {
  /** Object names. @default - derived from `name` (see SingleOriginNames) */
  readonly names?: Partial<SingleOriginNames>;
  /** Ports of the public Service. @default - the engine's ports */
  readonly ports?: SingleOriginPorts;
}

/**
 * The guide's Quick Start: one origin server (a Deployment of 1) behind a LoadBalancer on RTMP 1935 and
 * HTTP-FLV/HLS 8080 (API 1985 only with `exposeApi`). Publish and play on the same address.
 */
export class SingleOrigin extends StandaloneOrigin {
  public constructor(scope: Construct, id: string, props: SingleOriginProps = {}) {
    super(scope, id, props, {
      owner: 'SingleOrigin',
      defaultNames: (n) => ({ deployment: `${n}-deployment`, service: `${n}-service`, configMap: `${n}-config`, app: n }),
    });
  }
}
