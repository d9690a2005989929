// The contract between the session (status, retries) and the engines that feed the <video> element.

/** Why an engine gave up. */
export interface Failure {
  /** The HTTP status the server answered with, when it answered with an error. */
  readonly httpStatus?: number;
  /** The engine's own words, for everything else (network error, decode error, ...). */
  readonly detail: string;
}

export interface PlaybackHooks {
  /** The engine stopped for good; the session reports it and retries later. */
  fail(failure: Failure): void;
  /** The server closed a live stream (FLV end of file): the publisher most likely stopped. */
  ended(): void;
}

export interface Playback {
  /** Shown in the status line, e.g. `hls.js`, `native HLS`, `mpegts.js`. */
  readonly engine: string;
  /** Detaches from the video element and closes every connection. */
  destroy(): void;
}

/** Starts playing `url` into `video`; throws when this browser cannot play the protocol at all. */
export type StartPlayback = (video: HTMLVideoElement, url: string, hooks: PlaybackHooks) => Playback;
