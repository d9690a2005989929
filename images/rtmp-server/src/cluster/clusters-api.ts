/**
 * The origin side of the origin cluster: SRS's coworker query, `GET /api/v1/clusters?vhost=&ip=&app=&stream=&coworker=`.
 * An origin where `app/stream` is publishing answers `{code: 0, data: {query, origin: {ip, port, vhost, api, routers}}}`
 * (port = its RTMP port, api = the `coworker` the asker used, as SRS fills it); any other origin answers a
 * non-zero code. Beyond SRS, `origin.http_port` carries the HTTP media port, so an edge can proxy HLS to the holder.
 */
import * as os from 'node:os';
import type { HubView } from '../hub/types';
import { srsReply } from '../http/api-srs';

/** SRS ERROR_SYSTEM_STREAM_INIT-like code for "not here". */
export const CLUSTER_NOT_FOUND = 1028;

export interface ClusterSelf {
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly apiPort: number;
}

export interface ClusterOrigin {
  readonly ip: string;
  readonly port: number;
  readonly vhost: string;
  readonly api: string;
  readonly routers: string[];
  readonly http_port: number;
}

/**
 * This pod's address as others reach it: POD_IP (the Downward API, if the chart sets it), else the first
 * non-internal IPv4, else loopback. Askers should prefer the address they queried (see StreamLocator).
 */
export function ownIp(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_IP) return env.POD_IP;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The reply body (always HTTP 200, like SRS; `code` says whether this origin holds the stream). */
export function clustersReply(hub: HubView, q: URLSearchParams, self: ClusterSelf): Record<string, unknown> {
  const query = {
    ip: q.get('ip') ?? '', vhost: q.get('vhost') || '__defaultVhost__', app: q.get('app') ?? '', stream: q.get('stream') ?? '',
  };
  const held = hub.streams().some((s) => s.app === query.app && s.name === query.stream && s.publishing);
  if (!held) return srsReply(CLUSTER_NOT_FOUND, { data: { query } });
  const ip = ownIp();
  const api = q.get('coworker') || `${ip}:${self.apiPort}`;
  const origin: ClusterOrigin = {
    ip, port: self.rtmpPort, vhost: query.vhost, api, routers: [api], http_port: self.httpPort,
  };
  return srsReply(0, { data: { query, origin } });
}
