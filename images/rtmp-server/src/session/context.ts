/** What every media session (RTMP, HTTP-FLV) is given by the app. */
import type { AuthConfig } from '../../../../lib/server-config';
import type { Hub } from '../hub/hub';
import type { MediaMessage } from '../hub/types';
import type { Logger } from '../log';
import type { Hooks } from '../hooks/hooks';
import type { Forwarder } from '../forward/forwarder';

/** Settings read at each session's start (so a reload applies to new sessions). */
export interface SessionSettings {
  readonly auth: AuthConfig;
  readonly maxMessageSize: number;
  readonly chunkSize: number;
  /** rtmp.mergeReadMs: publishers' sockets are read at most this often. */
  readonly mergeReadMs: number;
}

/** An upstream publish (edge → origin) that an accepted local publish feeds. */
export interface UpstreamPublish {
  send(m: MediaMessage): void;
  close(reason: string): void;
  /** Set by the session: called when the upstream ends by itself. */
  onClose: (reason: string) => void;
}

export interface SessionContext {
  readonly hub: Hub;
  readonly log: Logger;
  readonly settings: () => SessionSettings;
  /** Edge mode: opens the upstream publish before a local publish is accepted; rejects when it cannot. */
  readonly publishUpstream?: (app: string, stream: string, query: string) => Promise<UpstreamPublish>;
  /** HTTP callbacks (src/hooks): gates for connect/publish/play, notifications for their ends. */
  readonly hooks?: Hooks;
  /** Forwarding of local publishes (src/forward); not on edges, whose publishes the origin forwards. */
  readonly forwarder?: Forwarder;
}
