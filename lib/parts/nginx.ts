import * as kplus from 'cdk8s-plus-28';
import { LIVENESS_TIMING, READINESS_TIMING } from './probes';
import { ResolvedContainerSize, toResources } from './resources';
import { nginxMaster } from './security';

/** nginx's port inside the pod (the official image's default server). */
export const NGINX_PORT = 80;
/** nginx's document root in the official image: the shared volume is mounted here, read-only. */
export const NGINX_HTML_DIR = '/usr/share/nginx/html';
/** The nginx image used when none is given. */
export const DEFAULT_NGINX_IMAGE = 'nginx:1.27-alpine';

/** Where the nginx ConfigMap is mounted (a directory: it replaces the image's default.conf). */
export const NGINX_CONF_DIR = '/etc/nginx/conf.d';

/**
 * nginx's server block. Playlists must never be cached (a stale playlist stalls players, ossrs/srs#2991);
 * segments never change once written, so caches may keep them for a minute. CORS lets players on other
 * origins fetch HLS.
 */
export const NGINX_DEFAULT_CONF = `server {
    listen 80;
    root ${NGINX_HTML_DIR};
    index index.html;
    location ~ \\.m3u8$ {
        types { application/vnd.apple.mpegurl m3u8; }
        add_header Cache-Control "no-cache" always;
        add_header Access-Control-Allow-Origin "*" always;
    }
    location ~ \\.ts$ {
        types { video/mp2t ts; }
        add_header Cache-Control "public, max-age=60" always;
        add_header Access-Control-Allow-Origin "*" always;
    }
}
`;

/** What the nginx sidecar needs from the pod. */
export interface NginxParts {
  /** The volume the server writes HLS into (and the player page is seeded into). */
  readonly html: kplus.Volume;
  /** The ConfigMap volume holding default.conf. */
  readonly config: kplus.Volume;
  /** emptyDir for nginx's temp files (/var/cache/nginx). */
  readonly cache: kplus.Volume;
  /** emptyDir for nginx's pid file (/run; /var/run links to it). */
  readonly run: kplus.Volume;
  /** Image. */
  readonly image: string;
  /** CPU and memory. */
  readonly size: ResolvedContainerSize;
}

/** nginx serving the shared volume read-only: the HLS the server writes, and the seeded player page. */
export function nginxContainer(parts: NginxParts): kplus.ContainerProps {
  return {
    name: 'nginx',
    image: parts.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ name: 'hls', number: NGINX_PORT }],
    volumeMounts: [
      { path: NGINX_HTML_DIR, volume: parts.html, readOnly: true },
      { path: NGINX_CONF_DIR, volume: parts.config, readOnly: true },
      { path: '/var/cache/nginx', volume: parts.cache },
      { path: '/run', volume: parts.run },
    ],
    // Ready once the seeded index page is served: proves both nginx and the seeding worked.
    readiness: kplus.Probe.fromHttpGet('/', { port: NGINX_PORT, ...READINESS_TIMING }),
    liveness: kplus.Probe.fromTcpSocket({ port: NGINX_PORT, ...LIVENESS_TIMING }),
    // Keep serving while the endpoint is removed; nginx's SIGTERM is a fast shutdown.
    lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) },
    resources: toResources(parts.size),
    securityContext: nginxMaster(),
  };
}
