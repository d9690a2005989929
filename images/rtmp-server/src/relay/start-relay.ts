/** Wires relay mode into the media app: the target address set (re-resolved) and the Relay over the hub. */
import type { ServerConfig } from '../../../../lib/server-config';
import { AddressSet } from '../discovery/address-set';
import { defaultResolver, Resolver } from '../discovery/resolver';
import type { Hub } from '../hub/hub';
import type { Logger } from '../log';
import { Relay } from './relay';

export interface RunningRelay {
  readonly relay: Relay;
  /** A reloaded config: new targets / interval apply at once (pushes follow the new address set). */
  update(next: ServerConfig): void;
  close(): void;
}

/** Starts pushing every publish to `relay.targets`; `config()` is read per push (reloads apply). */
export function startRelay(config: () => ServerConfig, hub: Hub, log: Logger, resolve: Resolver = defaultResolver()): RunningRelay {
  const c = config();
  const targets = new AddressSet({
    entries: c.relay.targets, intervalSeconds: c.relay.resolveSeconds, resolve, log, label: 'relay.targets',
  });
  const relay = new Relay(hub, targets, () => {
    const now = config();
    return { chunkSize: now.rtmp.chunkSize, maxMessageSize: now.rtmp.maxMessageSize, publishSecret: now.auth.publishSecret };
  }, log);
  void targets.start();
  return {
    relay,
    update: (next) => void targets.setEntries(next.relay.targets, next.relay.resolveSeconds),
    close: () => relay.close(),
  };
}
