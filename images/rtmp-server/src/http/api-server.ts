// The API listener (plain node:http): SRS-compatible /api/v1/*, the probes, /metrics and the preStop hook.
// Every request is answered, hostile paths and ids included (404 JSON); a handler error is a 500, never a crash.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from '../../../../lib/server-config';
import type { HubView } from '../hub/types';
import type { HlsHttpStats } from '../hls/http-stats';
import type { HlsStats } from '../hls/writer';
import type { DvrStats } from '../dvr/dvr-recorder';
import type { TlsStats } from '../tls/cert-store';
import type { Logger } from '../log';
import { VERSION } from '../log';
import { listenOn } from '../session/listen';
import {
  clientReply, clientsReply, SRS_CODE, srsReply, streamReply, streamsReply, versions,
} from './api-srs';
import { Summaries } from './api-summaries';
import { clustersReply } from '../cluster/clusters-api';
import { createMetrics } from './metrics';
import type { Hooks } from '../hooks/hooks';
import { corsHeaders, kickRefusal } from './api-access';
import { applyTimeouts, TIMEOUT_OPTIONS } from './timeouts';

export interface ApiDeps {
  readonly hub: HubView;
  /** HLS writer counters for /metrics; absent or null when no HLS is written. */
  readonly hlsStats?: HlsStats | null;
  /** HTTP callbacks, for /metrics. */
  readonly hooks?: Hooks;
  /** DVR counters for /metrics; absent or null when nothing is recorded. */
  readonly dvrStats?: DvrStats | null;
  /** Certificate counters for /metrics; absent or null without TLS listeners. */
  readonly tlsStats?: TlsStats | null;
  /** HLS over HTTP counters for /metrics (requests answered, edge cache). */
  readonly hlsHttp?: HlsHttpStats | null;
  /** The config in force (reloads replace it), for api.allowKick and the mode. */
  readonly config: () => ServerConfig;
  readonly lifecycle: {
    isReady(): boolean;
    state(): string;
    preStop(): Promise<void>;
  };
  readonly log: Logger;
}

interface Reply {
  readonly status: number;
  /** A JSON value, or a string sent as text. */
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

interface Request {
  readonly method: string;
  readonly segments: string[];
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
}

type Handler = (req: Request) => Reply | Promise<Reply>;

const json = (status: number, body: unknown): Reply => ({ status, body });
const notFound = (code = 404): Reply => json(404, srsReply(code));

/** Builds the API's request handler (exported on its own so tests can mount it on any server). */
export function createApiHandler(deps: ApiDeps): http.RequestListener {
  const { hub, lifecycle, log } = deps;
  const summaries = new Summaries(hub);
  const metrics = createMetrics({
    hub, hlsStats: deps.hlsStats ?? null, hlsHttp: deps.hlsHttp ?? null, dvrStats: deps.dvrStats ?? null, tlsStats: deps.tlsStats ?? null,
    mode: () => deps.config().mode, ready: () => lifecycle.isReady(),
    hooks: deps.hooks, streamSeries: () => deps.config().metrics.streamSeries,
  });

  // Routes by path shape: `*` matches one segment (an id).
  const routes: [string, string, Handler][] = [
    ['GET', 'healthz', () => json(200, { status: 'ok', version: VERSION })],
    ['GET', 'readyz', () => json(lifecycle.isReady() ? 200 : 503, { status: lifecycle.state() })],
    ['GET', 'prestop', async () => { await lifecycle.preStop(); return json(200, { status: lifecycle.state() }); }],
    ['GET', 'metrics', async () => ({ status: 200, body: await metrics.metrics(), contentType: metrics.contentType })],
    ['GET', 'api/v1/versions', () => json(200, versions())],
    ['GET', 'api/v1/summaries', () => json(200, summaries.reply())],
    ['GET', 'api/v1/streams', (r) => json(200, streamsReply(hub, r.query))],
    ['GET', 'api/v1/streams/*', (r) => orNotFound(streamReply(hub, r.segments[3]), SRS_CODE.STREAM_NOT_FOUND)],
    ['GET', 'api/v1/clients', (r) => json(200, clientsReply(hub, r.query))],
    ['GET', 'api/v1/clients/*', (r) => orNotFound(clientReply(hub, r.segments[3]), SRS_CODE.CLIENT_NOT_FOUND)],
    ['DELETE', 'api/v1/clients/*', (r) => kick(r.segments[3], r.headers)],
    // Origin cluster (SRS coworkers): does this origin hold app/stream? (src/cluster/clusters-api)
    ['GET', 'api/v1/clusters', (r) => {
      const c = deps.config();
      return json(200, clustersReply(hub, r.query, { rtmpPort: c.rtmp.port, httpPort: c.http.port, apiPort: c.api.port }));
    }],
  ];

  function kick(id: string, headers: http.IncomingHttpHeaders): Reply {
    const refused = kickRefusal(headers, deps.config().api);
    if (refused) return { ...json(refused.status, srsReply(refused.status, { error: refused.error })), headers: refused.headers };
    if (!hub.kick(id)) return notFound(SRS_CODE.CLIENT_NOT_FOUND);
    log.info({ event: 'client-kicked', client: id }, 'client kicked through the API');
    return json(200, srsReply(SRS_CODE.OK));
  }

  async function route(req: http.IncomingMessage): Promise<Reply> {
    const parsed = parse(req);
    if (!parsed) return notFound();
    // HEAD reads like GET, except on /prestop: a HEAD (a link checker, a curl -I) must not start a shutdown.
    const method = parsed.method === 'HEAD' && parsed.segments.join('/') !== 'prestop' ? 'GET' : parsed.method;
    const matches = routes.filter(([, pattern]) => matchPath(pattern, parsed.segments));
    if (matches.length === 0) return notFound();
    if (method === 'OPTIONS') return { status: 204, body: '' };
    const hit = matches.find(([m]) => m === method);
    if (!hit) return json(405, srsReply(405, { error: `method ${parsed.method} not allowed` }));
    return hit[2]({ ...parsed, method });
  }

  return (req, res) => {
    route(req)
      .catch((e: unknown) => {
        log.error({ event: 'api-error', url: req.url, err: e }, 'API handler failed');
        return json(500, srsReply(500));
      })
      .then((reply) => send(res, reply, corsHeaders(req.headers.origin, deps.config().api)))
      .catch(() => res.destroy());
  };
}

function orNotFound(body: Record<string, unknown> | null, code: number): Reply {
  return body ? json(200, body) : notFound(code);
}

/** Path segments (percent-decoded, trailing slash ignored as SRS does) and query; null for undecodable paths. */
function parse(req: http.IncomingMessage): Request | null {
  try {
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    const segments = url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    return { method: req.method ?? 'GET', segments, query: url.searchParams, headers: req.headers };
  } catch {
    return null;
  }
}

function matchPath(pattern: string, segments: string[]): boolean {
  const parts = pattern.split('/');
  return parts.length === segments.length && parts.every((p, i) => p === '*' || p === segments[i]);
}

function send(res: http.ServerResponse, reply: Reply, cors: Record<string, string>): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  // The player page (served on the media port) lists live streams from this API in the browser (src/http/api-access).
  for (const [k, v] of Object.entries({ ...cors, ...reply.headers })) res.setHeader(k, v);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', reply.contentType ?? (typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json'));
  res.writeHead(reply.status);
  res.end(text);
}

export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the API listener on `port` (all interfaces, like SRS); rejects if the port cannot be bound. */
export async function startApiServer(deps: ApiDeps, port: number, host?: string): Promise<ApiServer> {
  const server = http.createServer(TIMEOUT_OPTIONS, createApiHandler(deps));
  // Bounded: a client that never finishes its request headers is dropped (http.* timeouts, src/http/timeouts).
  applyTimeouts(server, deps.config().http);
  server.on('request', () => applyTimeouts(server, deps.config().http)); // reloads reach the next checks
  await listenOn(server, port, host);
  server.on('clientError', (_err, socket) => socket.destroy());
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
