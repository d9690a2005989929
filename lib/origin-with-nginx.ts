import { Construct } from 'constructs';
import { NginxProps, ServerConstructProps } from './parts/common-props';
import { StandaloneOrigin } from './parts/standalone-origin';

/** Object names of an OriginWithNginx (the defaults reproduce the guide with `name: 'srs'`). */
export interface OriginWithNginxNames {
  /** Origin Deployment (server + nginx). @default '<name>-deploy' */
  readonly deployment: string;
  /** Public LoadBalancer Service. @default '<name>-origin-service' */
  readonly service: string;
  /** Server ConfigMap. @default '<name>-origin-config' */
  readonly configMap: string;
  /** `app` label of the origin pods. @default '<name>' */
  readonly app: string;
  /** nginx ConfigMap (default.conf: caching and CORS headers for HLS). @default '<name>-nginx-config' */
  readonly nginxConfigMap: string;
}

/** Public ports of an OriginWithNginx's Service. */
export interface OriginWithNginxPorts {
  /** HLS and the player page, served by nginx. @default 80 */
  readonly hls?: number;
  /** RTMP publish/play. @default the engine's RTMP port (1935) */
  readonly rtmp?: number;
  /** HTTP-FLV (and HLS) from the server itself. @default the engine's HTTP port (8080) */
  readonly http?: number;
  /** HTTP API, only with `exposeApi`. @default the engine's API port (1985) */
  readonly api?: number;
}

/** Props of {@link OriginWithNginx}. */
export interface OriginWithNginxProps extends ServerConstructProps, NginxProps {
  /** Object names. @default - derived from `name` (see OriginWithNginxNames) */
  readonly names?: Partial<OriginWithNginxNames>;
  /** Ports of the public Service. @default - nginx 80 and the engine's ports */
  readonly ports?: OriginWithNginxPorts;
}

/**
 * The guide's "SRS Shares Volume with Nginx": the origin writes HLS into an emptyDir that an nginx container
 * in the same pod serves read-only on port 80; an init container seeds the player page into the volume first
 * (instead of the guide's `sleep infinity` sidecar). One LoadBalancer carries HLS (80), RTMP (1935) and
 * HTTP-FLV (8080).
 */
export class OriginWithNginx extends StandaloneOrigin {
  public constructor(scope: Construct, id: string, props: OriginWithNginxProps = {}) {
    super(scope, id, props, {
      owner: 'OriginWithNginx',
      defaultNames: (n) => ({
        deployment: `${n}-deploy`,
        service: `${n}-origin-service`,
        configMap: `${n}-origin-config`,
        app: n,
        nginxConfigMap: `${n}-nginx-config`,
      }),
      nginx: props,
    });
  }
}
