import type { ServerConfig } from '../../../lib/server-config';
import { Edge } from './edge/edge';
import { startHlsHttp } from './hls/http-setup';
import type { HlsHttpStats } from './hls/http-stats';
import { createHlsSinkFactory, HlsSinkFactory } from './hls/output';
import type { HlsStats } from './hls/writer';
import { Hub } from './hub/hub';
import type { HubView } from './hub/types';
import { MediaHttpServer } from './http/media-server';
import type { Logger } from './log';
import type { SessionContext } from './session/context';
import { RtmpListener } from './session/rtmp-listener';
import { startRelay } from './relay/start-relay';
import { startCluster } from './cluster/start-cluster';
import { Hooks } from './hooks/hooks';
import { hlsFields } from './hooks/srs-body';
import { Forwarder } from './forward/forwarder';
import { createDvrSinkFactory, DvrSinkFactory } from './dvr/dvr-output';
import type { DvrStats } from './dvr/dvr-recorder';
import type { TlsStats } from './tls/cert-store';
import { startTlsListeners } from './tls/tls-listeners';

/**
 * The media side of the server: RTMP listener, HTTP media listener (FLV, HLS, player page), the hub,
 * and the mode's upstream work (edge pulls/forwards, relay pushes). main.ts and lifecycle.ts drive it.
 */
export interface MediaApp {
  readonly hub: HubView;
  /** HLS writer counters (live; read at scrape time), or null when this server writes no HLS. */
  readonly hlsStats: HlsStats | null;
  /** HTTP callbacks; other modules notify through it (the DVR writer: `hooks.notifyStream('onDvr', app, stream, { cwd, file })`). */
  readonly hooks: Hooks;
  /** Forwarding of local publishes, or null on an edge. */
  readonly forwarder: Forwarder | null;
  /** DVR counters, or null when this server records nothing. */
  readonly dvrStats: DvrStats | null;
  /** Certificate counters, or null without TLS listeners. */
  readonly tlsStats: TlsStats | null;
  /** Waits for recordings closed so far to be finished (renamed or remuxed); shutdown calls it. */
  flushRecordings(): Promise<void>;
  /** HLS over HTTP: requests answered from the HLS directory, and the edge cache (src/hls/http-setup). */
  readonly hlsHttp: HlsHttpStats;
  /** Binds the RTMP and HTTP media listeners. */
  listen(): Promise<void>;
  /** Closes the listeners: no new connections; running sessions continue. */
  stopAccepting(): Promise<void>;
  /** Sessions still open (publishers, players, upstream links). */
  activeSessions(): number;
  /** Ends every session now. */
  closeAll(): void;
  /** Applies a changed config to running state where possible; returns the fields that need a restart. */
  reload(next: ServerConfig): string[];
}

/**
 * Fields that keep their running value on reload; only a restart applies them: the listeners, the shared RTMP
 * encoding, and the HLS directory that the writers and the HTTP server must agree on.
 */
const HELD_ON_RELOAD = [
  'mode', 'rtmp.port', 'rtmp.chunkSize', 'http.port', 'hls.dir', 'hls.enabled',
  // TLS listeners and their certificate paths (a renewed certificate at the same paths is picked up live), DVR root.
  'rtmps.enabled', 'rtmps.port', 'https.enabled', 'https.port', 'tls.certFile', 'tls.keyFile', 'dvr.enabled', 'dvr.dir',
] as const;
/** Of those, what reload() reports itself (the HLS writers' setConfig reports hls.*). */
const RESTART_FIELDS = HELD_ON_RELOAD.filter((f) => !f.startsWith('hls.'));

type Sections = Record<string, Record<string, unknown>>;
const valueAt = (c: ServerConfig, path: string): unknown => {
  const [section, field] = path.split('.');
  return field === undefined ? (c as unknown as Record<string, unknown>)[section] : (c as unknown as Sections)[section][field];
};

/** `next` with every HELD_ON_RELOAD field set back to its value in `running` (sections copied, not shared). */
function holdRunning(next: ServerConfig, running: ServerConfig): ServerConfig {
  const out = { ...next } as unknown as Record<string, unknown>;
  for (const path of HELD_ON_RELOAD) {
    const [section, field] = path.split('.');
    if (field === undefined) out[section] = valueAt(running, path);
    else out[section] = { ...(out[section] as object), [field]: valueAt(running, path) };
  }
  return out as unknown as ServerConfig;
}

export function createMediaApp(initial: ServerConfig, log: Logger): MediaApp {
  let config = initial;
  const hub = new Hub({ play: config.play, chunkSize: config.rtmp.chunkSize }, log);
  let hls: HlsSinkFactory | null = null;
  // HTTP callbacks and forwarding (src/hooks, src/forward): settings read per call, so reloads apply at once.
  const hooks = new Hooks(() => config.hooks, log);
  const forwarder = config.mode === 'edge' ? null : new Forwarder(hub, () => config.forward.destinations,
    () => ({ chunkSize: config.rtmp.chunkSize, maxMessageSize: config.rtmp.maxMessageSize, publishSecret: '' }), log);
  // Edges do not write HLS (as in SRS): HLS comes from the origin, cached by HTTP in front of it.
  if (config.hls.enabled && config.mode !== 'edge') {
    hls = createHlsSinkFactory(config.hls, log, (app, stream, seg) => hooks.notifyStream('onHls', app, stream, hlsFields(app, stream, seg)),
      () => config.hooks.onHls.length > 0);
    hub.addSinkFactory(hls);
  }
  const maxMessageSize = () => config.rtmp.maxMessageSize;
  // Origin cluster (cluster.peers set): peer lookup, HLS proxy, and on an edge the origin chooser (src/cluster).
  const cluster = startCluster(config, log);
  // Edges and origins share one config (one ConfigMap), so an edge passes the play key upstream itself.
  const playQuery = () => (config.auth.playKey ? new URLSearchParams({ key: config.auth.playKey }).toString() : '');
  const edge = config.mode === 'edge' ? new Edge(config.edge, hub, log, maxMessageSize, cluster?.chooser ?? null, playQuery) : null;
  const ctx: SessionContext = {
    hub,
    log,
    settings: () => ({
      auth: config.auth, maxMessageSize: config.rtmp.maxMessageSize, chunkSize: config.rtmp.chunkSize, mergeReadMs: config.rtmp.mergeReadMs,
    }),
    publishUpstream: edge ? (app, stream, query) => edge.publishUpstream(app, stream, query) : undefined,
    hooks,
    forwarder: forwarder ?? undefined,
  };
  const rtmp = new RtmpListener(ctx);
  // Relay mode: push every publish to every address behind relay.targets (src/relay).
  const relay = config.mode === 'relay' ? startRelay(() => config, hub, log) : null;
  // HLS viewers counted as players; edges (and origin-cluster origins) answer HLS from a memory cache.
  const hlsHttp = startHlsHttp(() => config, hub, cluster?.locator ?? null, log);
  const http = new MediaHttpServer(ctx, () => ({
    cors: config.http.cors, playerPage: config.http.playerPage, hlsDir: config.hls.dir,
    hlsEnabled: config.hls.enabled && config.mode !== 'edge',
  }), hlsHttp.handler ?? undefined, hlsHttp.counters);
  // RTMPS and HTTPS (src/tls): the same sessions and routes as the plain listeners, behind the certificate.
  const secure = startTlsListeners(config, rtmp, http, log);
  // Recording (src/dvr): like HLS, on the server where streams are published, not on edges.
  let dvr: DvrSinkFactory | null = null;
  if (config.dvr.enabled && config.mode !== 'edge') {
    // SRS on_dvr per finished file: `cwd` + `file` (absolute), as SRS sends it.
    dvr = createDvrSinkFactory(config.dvr, log, {
      onFileClosed: (f) => hooks.notifyStream('onDvr', f.app, f.stream, { cwd: process.cwd(), file: f.file }),
    });
    hub.addSinkFactory(dvr);
  }
  // Request timeouts on the plain and HTTPS listeners (http.*TimeoutSeconds); reload applies them again.
  http.setTimeouts(config.http);

  return {
    hub: hlsHttp.view,
    hlsStats: hls ? hls.stats : null,
    hooks,
    forwarder,
    dvrStats: dvr ? dvr.stats : null,
    tlsStats: secure ? secure.stats : null,
    flushRecordings: async () => { await dvr?.flush(); },
    hlsHttp: hlsHttp.counters.stats,
    async listen() {
      await rtmp.listen(config.rtmp.port);
      await http.listen(config.http.port);
      await secure?.listen();
    },
    async stopAccepting() {
      await Promise.all([rtmp.stop(), http.stop(), secure?.stop()]);
    },
    activeSessions: () => hub.activeCount(),
    closeAll() {
      edge?.closeAll();
      hub.closeAll('server shutting down');
      rtmp.closeAll('server shutting down');
      http.closeAll();
      hls?.close();
      relay?.close();
      forwarder?.close();
      cluster?.close();
      secure?.close();
      dvr?.close();
      hlsHttp.close();
    },
    reload(next) {
      const restart: string[] = RESTART_FIELDS.filter((f) => JSON.stringify(valueAt(next, f)) !== JSON.stringify(valueAt(config, f)));
      if (hls) restart.push(...hls.setConfig(next.hls));
      else if (next.hls.enabled && config.mode !== 'edge') restart.push('hls.enabled');
      dvr?.setConfig(next.dvr); // dvr.dir and dvr.enabled are in HELD_ON_RELOAD, reported above
      hub.updateSettings(next.play);
      http.setTimeouts(next.http);
      edge?.update(next.edge);
      relay?.update(next);
      if (cluster) restart.push(...cluster.update(next));
      else if (next.cluster.peers.length > 0) restart.push('cluster.peers');
      // Applied live: auth, play.*, rtmp.maxMessageSize (new sessions), http.cors/playerPage, edge timing.
      config = holdRunning(next, config);
      return restart;
    },
  };
}
