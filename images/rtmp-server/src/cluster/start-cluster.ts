/**
 * Wires the origin cluster into the media app when `cluster.peers` is set: on every server the peer lookup
 * (the HLS edge cache asks it which origin holds a stream); on an edge also the OriginChooser its pulls and publish forwards use.
 */
import type { ServerConfig } from '../../../../lib/server-config';
import { defaultResolver, Resolver } from '../discovery/resolver';
import type { Logger } from '../log';
import { createOriginChooser, OriginChooser, startPeers } from './origin-chooser';
import type { StreamLocator } from './stream-locator';

export interface RunningCluster {
  /** Edge mode only: where to pull from / forward to. */
  readonly chooser: OriginChooser | null;
  /** Which origin holds a stream (the edge cache's upstream for HLS, src/hls/http-setup). */
  readonly locator: StreamLocator;
  /** A reloaded config: peers and origins apply at once; returns the fields that need a restart. */
  update(next: ServerConfig): string[];
  close(): void;
}

/** Null when `cluster.peers` is empty (a standalone origin or a plain edge; turning peers on or off needs a restart). */
export function startCluster(config: ServerConfig, log: Logger, resolve: Resolver = defaultResolver()): RunningCluster | null {
  if (config.cluster.peers.length === 0) return null;
  if (config.mode === 'edge') {
    const chooser = createOriginChooser(config, log, resolve);
    return {
      chooser, locator: chooser.locator, close: () => chooser.close(),
      update: (next) => (next.cluster.peers.length === 0 ? ['cluster.peers'] : (chooser.update(next), [])),
    };
  }
  const { peers, locator } = startPeers(config, log, resolve);
  return {
    chooser: null, locator, close: () => peers.stop(),
    update: (next) => {
      if (next.cluster.peers.length === 0) return ['cluster.peers'];
      void peers.setEntries(next.cluster.peers, next.cluster.resolveSeconds);
      return [];
    },
  };
}
