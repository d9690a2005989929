/**
 * Edge mode (SRS `cluster { mode remote; }`): players of a stream this edge lacks trigger one shared
 * upstream pull per stream; a publish to the edge is forwarded to an origin before it is accepted.
 */
import type { EdgeConfig } from '../../../../lib/server-config';
import type { Hub, HubDemandListener } from '../hub/hub';
import type { Stream } from '../hub/stream';
import type { Logger } from '../log';
import { RtmpClient } from '../protocol/rtmp/client';
import { mergeQueries } from '../auth';
import type { UpstreamPublish } from '../session/context';
import type { OriginChooser } from '../cluster/origin-chooser';
import { OriginRing, parseOrigin } from './origins';
import { EDGE_FLASH_VER, EdgePull } from './pull';

export class Edge implements HubDemandListener {
  private readonly origins: OriginRing;
  private readonly pulls = new Map<string, EdgePull>();
  private config: EdgeConfig;

  constructor(
    config: EdgeConfig, private readonly hub: Hub, private readonly log: Logger, private readonly maxMessageSize: () => number,
    /** Origin cluster (cluster.peers set): picks the origin per stream instead of round-robin (src/cluster). */
    private readonly chooser: OriginChooser | null = null,
    /** Query the edge's own upstream plays carry (the shared play key). */
    private readonly playQuery: () => string = () => '',
  ) {
    this.config = config;
    this.origins = new OriginRing(config.origins);
    hub.setDemandListener(this);
  }

  onDemand(stream: Stream, query = ''): void {
    const key = stream.key;
    const existing = this.pulls.get(key);
    if (existing) { existing.wanted(); return; }
    if (stream.publisher) return; // a local encoder (forwarded publish) already feeds it
    this.pulls.set(key, new EdgePull(stream.app, stream.name, {
      hub: this.hub,
      log: this.log,
      origins: this.origins,
      chooser: this.chooser,
      timing: () => this.config,
      maxMessageSize: this.maxMessageSize,
      // The first player's query (its token for the origin's on_play hook), plus the shared play key.
      playQuery: () => mergeQueries(new URLSearchParams(query), new URLSearchParams(this.playQuery())).toString(),
      done: (p) => { if (this.pulls.get(key) === p) this.pulls.delete(key); },
    }));
  }

  onIdle(stream: Stream): void {
    this.pulls.get(stream.key)?.idle();
  }

  /** Opens the forward of a local publish to an origin (each origin tried once, in turn). */
  async publishUpstream(app: string, stream: string, query: string): Promise<UpstreamPublish> {
    let lastError: Error | null = null;
    // Origin cluster: the stream's placement origin first, the others as failover; else round-robin.
    const ordered = this.chooser ? (await this.chooser.forPublish(app, stream)).map(parseOrigin) : null;
    const tries = ordered?.length ?? this.origins.size;
    for (let i = 0; i < tries; i++) {
      const o = ordered ? ordered[i] : this.origins.pick();
      const client = new RtmpClient({
        host: o.host, port: o.port, app, stream, query, maxMessageSize: this.maxMessageSize(), flashVer: EDGE_FLASH_VER,
        queryOnConnect: true, // the origin's on_connect sees the publisher's token too
      });
      try {
        await client.start('publish');
      } catch (e) {
        lastError = e as Error;
        this.log.warn({ event: 'edge-forward-error', app, stream, origin: `${o.host}:${o.port}`, reason: lastError.message }, 'forward failed');
        continue;
      }
      this.log.info({ event: 'edge-forward-start', app, stream, origin: `${o.host}:${o.port}` }, 'forwarding publish to origin');
      const up: UpstreamPublish = {
        send: (m) => client.send(m),
        close: (reason) => client.close(reason),
        onClose: () => {},
      };
      client.onClose = (reason) => {
        this.log.info({ event: 'edge-forward-stop', app, stream, origin: `${o.host}:${o.port}`, reason }, 'forward ended');
        up.onClose(reason);
      };
      return up;
    }
    throw lastError ?? new Error('no origins configured');
  }

  /** Reload: new origins list and timing apply to the next connects. */
  update(config: EdgeConfig): void {
    if (JSON.stringify(config.origins) !== JSON.stringify(this.config.origins)) this.origins.set(config.origins);
    this.config = config;
  }

  activeLinks(): number { return this.pulls.size; }

  closeAll(): void {
    for (const p of [...this.pulls.values()]) p.stop('server shutting down');
  }
}
