import type { ServerConfig } from '../../../lib/server-config';
import type { HubView } from './hub/types';
import type { Logger } from './log';

/**
 * The media side of the server: RTMP listener, HTTP media listener (FLV, HLS, player page), the hub,
 * and the mode's upstream work (edge pulls/forwards, relay pushes). main.ts and lifecycle.ts drive it.
 */
export interface MediaApp {
  readonly hub: HubView;
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

export function createMediaApp(_config: ServerConfig, _log: Logger): MediaApp {
  throw new Error('createMediaApp: not implemented yet');
}
