/**
 * Which origin an edge talks to for one stream, in an origin cluster (edge with `cluster.peers`):
 * - play: the origin that holds the stream (asked through the peers' /api/v1/clusters), alone. When no origin
 *   holds it yet, the placement order: the first one is where a publish of that name through any edge lands,
 *   so a player that comes early waits in the right place (and HolderWatch moves it if the stream shows up
 *   elsewhere).
 * - publish: placement order (rendezvous hash of the name over the resolved `edge.origins`), so every edge
 *   sends one name to the same origin. If another origin already holds the name, that one first (no split).
 * Without `cluster.peers` an edge keeps plain round-robin over `edge.origins` (this chooser is not used).
 */
import type { ServerConfig } from '../../../../lib/server-config';
import { AddressSet } from '../discovery/address-set';
import { defaultResolver, Resolver } from '../discovery/resolver';
import type { Logger } from '../log';
import { originOrder } from './placement';
import { StreamLocator } from './stream-locator';

export interface OriginChooser {
  /** RTMP `ip:port` addresses to pull `app/stream` from, best first (never empty while origins resolve). */
  forPlay(app: string, stream: string): Promise<string[]>;
  /** RTMP `ip:port` addresses to forward a publish of `app/stream` to, best first. */
  forPublish(app: string, stream: string): Promise<string[]>;
  readonly locator: StreamLocator;
  /** A reloaded config: new `cluster.peers` / `edge.origins` apply at once. */
  update(next: ServerConfig): void;
  close(): void;
}

/** The peers' address set and locator (origins use this part alone, for the HLS proxy). */
export function startPeers(config: ServerConfig, log: Logger, resolve: Resolver): { peers: AddressSet; locator: StreamLocator } {
  const peers = new AddressSet({
    entries: config.cluster.peers, intervalSeconds: config.cluster.resolveSeconds, resolve, log, label: 'cluster.peers',
  });
  void peers.start();
  return { peers, locator: new StreamLocator(peers, log) };
}

export function createOriginChooser(config: ServerConfig, log: Logger, resolve: Resolver = defaultResolver()): OriginChooser {
  const { peers, locator } = startPeers(config, log, resolve);
  const origins = new AddressSet({
    entries: config.edge.origins, intervalSeconds: config.cluster.resolveSeconds, resolve, log, label: 'edge.origins',
  });
  const ready = origins.start();
  const ordered = async (app: string, stream: string) => {
    await ready;
    const list = originOrder(app, stream, origins.addresses());
    return list.length ? list : [...config.edge.origins]; // nothing resolved: let the dialer try the names
  };
  const withHolder = async (app: string, stream: string, holderOnly: boolean) => {
    const [holder, order] = await Promise.all([locator.locate(app, stream), ordered(app, stream)]);
    if (!holder) return order;
    log.debug({ event: 'cluster-holder', app, stream, origin: holder.rtmp }, 'stream located');
    return holderOnly ? [holder.rtmp] : [holder.rtmp, ...order.filter((a) => a !== holder.rtmp)];
  };
  return {
    locator,
    // A known holder is the only place to play from; if it fails, the next ask finds the new holder (or none).
    forPlay: (app, stream) => withHolder(app, stream, true),
    forPublish: (app, stream) => withHolder(app, stream, false),
    update(next) {
      void peers.setEntries(next.cluster.peers, next.cluster.resolveSeconds);
      void origins.setEntries(next.edge.origins, next.cluster.resolveSeconds);
    },
    close() { peers.stop(); origins.stop(); },
  };
}
