import type { ServerConfig } from '../../../lib/server-config';
import { Edge } from './edge/edge';
import { createHlsSinkFactory, HlsSinkFactory } from './hub/hls-output';
import type { HlsStats } from './hub/hls-writer';
import { Hub } from './hub/hub';
import type { HubView } from './hub/types';
import { MediaHttpServer } from './http/media-server';
import type { Logger } from './log';
import type { SessionContext } from './session/context';
import { RtmpListener } from './session/rtmp-listener';
import { startRelay } from './relay/start-relay';
import { startCluster } from './cluster/start-cluster';

/**
 * The media side of the server: RTMP listener, HTTP media listener (FLV, HLS, player page), the hub,
 * and the mode's upstream work (edge pulls/forwards, relay pushes). main.ts and lifecycle.ts drive it.
 */
export interface MediaApp {
  readonly hub: HubView;
  /** HLS writer counters (live; read at scrape time), or null when this server writes no HLS. */
  readonly hlsStats: HlsStats | null;
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

/** Fields only a restart applies (listeners and the shared RTMP encoding). */
const RESTART_FIELDS: [string, (c: ServerConfig) => unknown][] = [
  ['mode', (c) => c.mode],
  ['rtmp.port', (c) => c.rtmp.port],
  ['rtmp.chunkSize', (c) => c.rtmp.chunkSize],
  ['http.port', (c) => c.http.port],
];

export function createMediaApp(initial: ServerConfig, log: Logger): MediaApp {
  let config = initial;
  const hub = new Hub({ play: config.play, chunkSize: config.rtmp.chunkSize }, log);
  let hls: HlsSinkFactory | null = null;
  // Edges do not write HLS (as in SRS): HLS comes from the origin, cached by HTTP in front of it.
  if (config.hls.enabled && config.mode !== 'edge') {
    hls = createHlsSinkFactory(config.hls, log);
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
    settings: () => ({ auth: config.auth, maxMessageSize: config.rtmp.maxMessageSize, chunkSize: config.rtmp.chunkSize }),
    publishUpstream: edge ? (app, stream, query) => edge.publishUpstream(app, stream, query) : undefined,
  };
  const rtmp = new RtmpListener(ctx);
  // Relay mode: push every publish to every address behind relay.targets (src/relay).
  const relay = config.mode === 'relay' ? startRelay(() => config, hub, log) : null;
  const http = new MediaHttpServer(ctx, () => ({
    cors: config.http.cors, playerPage: config.http.playerPage, hlsDir: config.hls.dir, hlsEnabled: config.hls.enabled,
  }), cluster?.hlsProxy);

  return {
    hub,
    hlsStats: hls ? hls.stats : null,
    async listen() {
      await rtmp.listen(config.rtmp.port);
      await http.listen(config.http.port);
    },
    async stopAccepting() {
      await Promise.all([rtmp.stop(), http.stop()]);
    },
    activeSessions: () => hub.activeCount(),
    closeAll() {
      edge?.closeAll();
      hub.closeAll('server shutting down');
      rtmp.closeAll('server shutting down');
      http.closeAll();
      hls?.close();
      relay?.close();
      cluster?.close();
    },
    reload(next) {
      const restart = RESTART_FIELDS.filter(([, get]) => JSON.stringify(get(next)) !== JSON.stringify(get(config))).map(([f]) => f);
      if (hls) restart.push(...hls.setConfig(next.hls));
      else if (next.hls.enabled && config.mode !== 'edge') restart.push('hls.enabled');
      hub.updateSettings(next.play);
      edge?.update(next.edge);
      relay?.update(next);
      if (cluster) restart.push(...cluster.update(next));
      else if (next.cluster.peers.length > 0) restart.push('cluster.peers');
      // Applied live: auth, play.*, rtmp.maxMessageSize (new sessions), http.cors/playerPage, edge timing.
      config = { ...next, mode: config.mode, rtmp: { ...next.rtmp, port: config.rtmp.port, chunkSize: config.rtmp.chunkSize }, http: { ...next.http, port: config.http.port }, hls: { ...next.hls, dir: config.hls.dir, enabled: config.hls.enabled } };
      return restart;
    },
  };
}
