// The messages between the orchestrator (run.ts) and the load client process, over Node's IPC channel.

/** Where players connect. */
export interface Target {
  readonly proto: 'rtmp' | 'flv';
  /** RTMP port, or HTTP port for HTTP-FLV (`GET /{app}/{stream}.flv`). */
  readonly port: number;
  readonly app: string;
  readonly stream: string;
}

export type Command =
  /** Start `count` players in batches of `batch`; each batch waits (≤ batchTimeoutMs) for its media to flow. */
  | { cmd: 'ramp'; target: Target; count: number; batch: number; batchTimeoutMs: number; slowFraction: number; slowRate: number }
  /** Start of the measurement window: remember every player's byte count. */
  | { cmd: 'mark' }
  /** End of the window: bytes each player read since `mark`. */
  | { cmd: 'collect' }
  /** Join `count` extra players `spacingMs` apart and time their first video frame; they close afterwards. */
  | { cmd: 'join'; target: Target; count: number; spacingMs: number; timeoutMs: number }
  /** Close every player and exit. */
  | { cmd: 'exit' };

/** First-frame timings of one joining player, ms from its connect start (-1 = never arrived). */
export interface JoinTiming {
  readonly firstMediaMs: number;
  readonly firstFrameMs: number;
  readonly firstFrameKey: boolean;
  readonly firstKeyMs: number;
  readonly error: string;
}

export type Reply =
  | { event: 'ready' }
  | { event: 'ramped'; started: number; playing: number; failed: number; errors: string[]; ms: number }
  | { event: 'marked' }
  | { event: 'collected'; windowMs: number; deltas: number[]; slow: boolean[]; closedDuringWindow: number; errors: string[] }
  | { event: 'joined'; timings: JoinTiming[] };
