/**
 * The contract between the stream hub and everything around it (protocol sessions feed it; the HTTP API,
 * /metrics, lifecycle and HLS read it). The hub has no sockets or HTTP of its own.
 */

/** FLV/RTMP media message types. */
export const AUDIO = 8;
export const VIDEO = 9;
export const DATA = 18;

/** One media message as it travels publisher → hub → players (payload is the FLV tag body). */
export interface MediaMessage {
  readonly type: typeof AUDIO | typeof VIDEO | typeof DATA;
  /** Milliseconds (RTMP/FLV 32-bit timestamp space). */
  readonly timestamp: number;
  readonly payload: Buffer;
}

/**
 * `m` with a payload of its own: what a holder keeps past the call that handed `m` over (a payload may be a slice
 * of a pooled slab, valid only during that call: protocol/rtmp/slab-pool.ts).
 */
export function ownedCopy(m: MediaMessage): MediaMessage {
  return { type: m.type, timestamp: m.timestamp, payload: Buffer.from(m.payload) };
}

/** Codec facts the API reports (SRS `video{}` / `audio{}`), parsed from sequence headers. */
export interface VideoInfo { codec: string; profile: string; level: string; width: number; height: number }
export interface AudioInfo { codec: string; sample_rate: number; channel: number; profile: string }

/** What kind of session a client is (SRS `type` values where they exist). */
export type ClientKind =
  | 'rtmp-publish'      // an encoder publishing over RTMP
  | 'rtmp-play'         // an RTMP player
  | 'flv-play'          // an HTTP-FLV player
  | 'hls-play'          // an HLS viewer (a session of playlist and segment requests, src/hls/viewers)
  | 'edge-pull'         // this edge's upstream pull from an origin (the hub sees it as the stream's publisher)
  | 'edge-forward'      // this edge forwarding a publish to an origin
  | 'relay-push'        // this relay pushing to a server
  | 'forward';          // a push to a forward destination (forward.destinations, or the onPublish answer)

export interface ClientSnapshot {
  readonly id: string;
  readonly kind: ClientKind;
  readonly ip: string;
  readonly app: string;
  readonly stream: string;
  /** Stream id (StreamSnapshot.id) it belongs to. */
  readonly streamId: string;
  readonly publish: boolean;
  readonly aliveMs: number;
  readonly sendBytes: number;
  readonly recvBytes: number;
  /** Frames dropped for this player because it fell behind. */
  readonly droppedFrames: number;
}

export interface StreamSnapshot {
  readonly id: string;
  readonly app: string;
  readonly name: string;
  readonly tcUrl: string;
  readonly liveMs: number;
  /** Players attached (RTMP + FLV), not counting the publisher. */
  readonly players: number;
  /** Whether a publisher (local encoder or edge pull) is attached. */
  readonly publishing: boolean;
  readonly publisherId: string | null;
  readonly frames: number;
  readonly sendBytes: number;
  readonly recvBytes: number;
  readonly kbpsRecv30s: number;
  readonly kbpsSend30s: number;
  readonly video: VideoInfo | null;
  readonly audio: AudioInfo | null;
}

/** Counters since start, for /metrics and /api/v1/summaries. */
export interface HubTotals {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly connectionsAccepted: number;
  readonly connectionsRejected: number;
  readonly upstreamPullsActive: number;
  readonly upstreamPullsStarted: number;
  readonly droppedFrames: number;
  readonly slowPlayersClosed: number;
}

/** Read-only view (plus kick) that the HTTP API, metrics and probes use. */
export interface HubView {
  streams(): StreamSnapshot[];
  clients(): ClientSnapshot[];
  totals(): HubTotals;
  /** Closes a client by id; false if there is no such client. */
  kick(clientId: string): boolean;
}

/**
 * A consumer of one published stream's messages inside the process (HLS muxer, later recorders).
 * Created by a factory when a stream starts publishing; `end()` when it stops. Calls never throw back
 * into the hub (the hub catches and drops a failing sink), and must not block: copy what you keep.
 */
export interface MediaSink {
  /**
   * Every media message in publish order, starting with metadata and sequence headers, on the publish's own
   * monotonic timeline (hub/timeline.ts), with what the hub knows about that timeline at this message.
   */
  onMessage(m: MediaMessage, timeline?: TimelineInfo): void;
  /** The publisher went away (or the sink was dropped); release files and timers. */
  end(): void;
}

/** What the hub knows about a message's place on its publish's timeline. */
export interface TimelineInfo {
  /** The publisher's timestamps jumped here and were rebased: a discontinuity. */
  readonly jumped: boolean;
  /**
   * The timeline was started by this server at this publish's first message (an encoder's), so the sink sees
   * it from its beginning. False for a timeline that came from another of our servers (a relay push, an edge
   * pull), which may have been joined mid-stream.
   */
  readonly fromStart: boolean;
}

/** Returns a sink for a stream that starts publishing, or null to skip that stream. */
export type MediaSinkFactory = (app: string, stream: string) => MediaSink | null;
