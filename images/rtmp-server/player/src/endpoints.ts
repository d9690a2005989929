// Where to publish and play from, for the host the page was opened on.
// Served by the rtmp-server (page on :8080) everything HTTP is on the page's own origin. Served by nginx
// on :80/:443 (OriginWithNginx / EdgeCluster) nginx has the HLS files and the page, while HTTP-FLV and
// the API stay on the server's 8080 and 1985 of the same host; ?server=, ?port=, ?api= override.
import type { PlayerSettings } from './settings';

export interface Endpoints {
  readonly rtmp: string;
  readonly flv: string;
  readonly hls: string;
  /** Base URL of the SRS-compatible API (no trailing slash). */
  readonly api: string;
}

/** The parts of `window.location` that matter. */
export interface PageLocation {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
}

const SERVER_HTTP_PORT = '8080';
const SERVER_API_PORT = '1985';
const SERVER_RTMP_PORT = '1935';

export function endpoints(s: PlayerSettings, page: PageLocation): Endpoints {
  const scheme = page.protocol === 'https:' ? 'https:' : 'http:';
  const host = s.server || page.hostname || '127.0.0.1';
  const withPort = (port: string) => (port ? `${scheme}//${host}:${port}` : `${scheme}//${host}`);
  const pageOrigin = withPort(page.port);
  const onDefaultPort = page.port === '';

  // An explicit server/port wins for both protocols; otherwise play from the page's origin, except
  // HTTP-FLV behind nginx (page on a default port), which only the server itself serves.
  const explicit = s.port || s.server ? withPort(s.port || SERVER_HTTP_PORT) : undefined;
  const hlsBase = explicit ?? pageOrigin;
  const flvBase = explicit ?? (onDefaultPort ? withPort(SERVER_HTTP_PORT) : pageOrigin);
  const path = `/${encodeURIComponent(s.app)}/${encodeURIComponent(s.stream)}`;
  const rtmpPort = s.rtmp && s.rtmp !== SERVER_RTMP_PORT ? `:${s.rtmp}` : '';
  return {
    rtmp: `rtmp://${host}${rtmpPort}${path}`,
    flv: `${flvBase}${path}.flv`,
    hls: `${hlsBase}${path}.m3u8`,
    api: apiBase(s.api, scheme, host),
  };
}

function apiBase(api: string | undefined, scheme: string, host: string): string {
  if (!api) return `${scheme}//${host}:${SERVER_API_PORT}`;
  if (/^\d+$/.test(api)) return `${scheme}//${host}:${api}`;
  if (/^https?:\/\//.test(api)) return api.replace(/\/+$/, '');
  return `${scheme}//${api.replace(/\/+$/, '')}`;
}
