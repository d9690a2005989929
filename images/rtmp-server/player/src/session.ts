// One viewer's playback: starts the engine for the chosen protocol and turns engine, <video> and API
// evidence into the status line. The session watches the server's stream list: a stream the server does
// not list is reported "not live" (or "stopped") at once while the connection stays open (the server holds
// HTTP-FLV players until a publisher arrives, so it starts playing by itself); a listed stream that sends
// nothing for a while, a failed engine or an ended stream is retried later.
import type { Failure, Playback, StartPlayback } from './playback';
import type { Protocol } from './settings';
import type { PlayState, StatusLine } from './status';

export interface Target {
  readonly app: string;
  readonly stream: string;
  readonly protocol: Protocol;
  readonly url: string;
}

/** Loads the engines on demand, so the page only downloads the player library it uses. */
const ENGINES: Record<Protocol, () => Promise<StartPlayback>> = {
  hls: () => import('./hls-engine').then((m) => m.playHls),
  flv: () => import('./flv-engine').then((m) => m.playFlv),
};
const PROTOCOL_NAMES: Record<Protocol, string> = { hls: 'HLS', flv: 'HTTP-FLV' };

/** How often the watch looks at the clock and the stream list while an engine runs. */
const WATCH_MS = 1_000;
/** The stream list may lag a fresh publish by a poll; wait this long before believing "not listed". */
const NOT_LISTED_GRACE_MS = 2_000;
/** A stall this long while the server no longer lists the stream means the publisher stopped. */
const STOPPED_GRACE_MS = 2_000;
/** How long a stream the server lists may stay silent before the session reconnects. */
const FIRST_FRAME_TIMEOUT_MS = 15_000;
const RETRY_DELAY_MS = 5_000;

export class PlaybackSession {
  private target?: Target;
  private playback?: Playback;
  /** Bumped on every play/stop, so late callbacks from an older attempt are ignored. */
  private generation = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private startedAt = 0;
  private firstFrame = false;
  private bufferingSince = 0;

  /**
   * @param isLive what the server's stream list says about a stream (undefined when the API is unreachable).
   */
  constructor(
    private readonly video: HTMLVideoElement,
    private readonly status: StatusLine,
    private readonly isLive: (app: string, stream: string) => boolean | undefined,
  ) {
    video.addEventListener('playing', () => this.onPlaying());
    video.addEventListener('waiting', () => this.onWaiting());
    video.addEventListener('ended', () => this.playback && this.ended());
  }

  /** `retry`: keep the current message while reconnecting, so a retry loop does not flicker. */
  play(target: Target, retry = false): void {
    this.teardown();
    this.target = target;
    void this.start(target, ++this.generation, retry);
  }

  stop(): void {
    this.teardown();
    this.target = undefined;
    this.generation++;
    this.status.set('idle', 'Stopped. Pick a stream and press Play.');
  }

  private async start(target: Target, gen: number, retry: boolean): Promise<void> {
    if (!retry) this.status.set('connecting', `Connecting to ${nameOf(target)} over ${PROTOCOL_NAMES[target.protocol]}…`);
    let startPlayback: StartPlayback;
    try {
      startPlayback = await ENGINES[target.protocol]();
    } catch (e) {
      if (this.current(gen)) this.fail({ detail: `could not load the player (${(e as Error).message})` });
      return;
    }
    if (!this.current(gen)) return;
    // Engine callbacks are deferred a tick: an engine is torn down on failure, never inside its own handler.
    const later = (fn: () => void) => setTimeout(() => this.current(gen) && fn(), 0);
    try {
      this.playback = startPlayback(this.video, target.url, {
        fail: (f) => later(() => this.fail(f)),
        ended: () => later(() => this.ended()),
      });
    } catch (e) {
      this.fail({ detail: (e as Error).message });
      return;
    }
    this.startedAt = Date.now();
    this.firstFrame = false;
    // Muted autoplay is allowed everywhere; the viewer unmutes with the controls.
    this.video.play()?.catch(() => undefined);
    this.schedule(WATCH_MS, () => this.watch());
  }

  /**
   * Every second while an engine runs. Before the first frame: report "not live" from the stream list and
   * reconnect a listed stream that stays silent. During a stall: tell a stopped publisher from a slow
   * network, and reconnect when it is back. Engines stay attached while waiting: the server holds
   * HTTP-FLV players until a publisher arrives and keeps the HLS playlist.
   */
  private watch(): void {
    const t = this.target!;
    if (!this.playback) return;
    const listed = this.isLive(t.app, t.stream);
    const keepWatching = this.firstFrame ? this.watchStall(t, listed) : this.watchFirstFrame(t, listed);
    if (!keepWatching) return;
    this.schedule(WATCH_MS, () => this.watch());
  }

  /** False when it restarted the playback. */
  private watchStall(t: Target, listed: boolean | undefined): boolean {
    const state = this.status.state;
    if (state === 'offline' && listed === true) {
      // Back after a stop: a fresh connection starts at the server's GOP cache at once, where the old one
      // (FLV) could take seconds to get over the timestamp jump.
      this.play(t);
      return false;
    }
    if (state === 'buffering' && listed === false && Date.now() - this.bufferingSince >= STOPPED_GRACE_MS) {
      this.show('offline', `Stream ${nameOf(t)} stopped (the server no longer lists it). Waiting for it to come back…`);
    }
    return true;
  }

  /** False when it gave up (the session retries later). */
  private watchFirstFrame(t: Target, listed: boolean | undefined): boolean {
    const elapsed = Date.now() - this.startedAt;
    if (listed === false && elapsed >= NOT_LISTED_GRACE_MS) {
      this.show('offline', `Stream ${nameOf(t)} is not live (the server does not list it). Waiting for it to start…`);
    } else if (elapsed >= FIRST_FRAME_TIMEOUT_MS && listed !== false) {
      this.fail({ detail: `no media after ${FIRST_FRAME_TIMEOUT_MS / 1000} s` });
      return false;
    } else if (listed === true && this.status.state === 'offline') {
      this.show('connecting', `Stream ${nameOf(t)} is live; waiting for the first frame…`);
    }
    return true;
  }

  private onPlaying(): void {
    const t = this.target;
    if (!t || !this.playback) return;
    this.firstFrame = true;
    this.show('playing', `Playing ${nameOf(t)} over ${PROTOCOL_NAMES[t.protocol]} (${this.playback.engine}).`);
  }

  private onWaiting(): void {
    const t = this.target;
    // Before the first frame "waiting" says nothing new; the first-frame watch owns the status then.
    if (!t || !this.playback || !this.firstFrame) return;
    this.bufferingSince = Date.now();
    this.show('buffering', `Buffering ${nameOf(t)}…`);
  }

  private fail(f: Failure): void {
    const t = this.target!;
    this.teardown();
    const { state, text } = describeFailure(nameOf(t), f, this.isLive(t.app, t.stream));
    this.status.set(state, `${text} Retrying in ${RETRY_DELAY_MS / 1000} s.`);
    this.retryLater();
  }

  /** The server closed the stream: after playing, it ended; before any frame, the server gave up waiting. */
  private ended(): void {
    const t = this.target!;
    const played = this.firstFrame;
    this.teardown();
    const text = played ? `Stream ${nameOf(t)} ended.` : `Stream ${nameOf(t)} is not live (the server closed the connection).`;
    this.status.set(played ? 'ended' : 'offline', `${text} Retrying in ${RETRY_DELAY_MS / 1000} s.`);
    this.retryLater();
  }

  private retryLater(): void {
    const t = this.target!;
    this.schedule(RETRY_DELAY_MS, () => this.play(t, true));
  }

  /** Sets the status unless it already says exactly that (the live region would repeat it). */
  private show(state: PlayState, text: string): void {
    if (this.status.state !== state || this.status.text !== text) this.status.set(state, text);
  }

  private current(gen: number): boolean {
    return gen === this.generation && this.target !== undefined;
  }

  private schedule(ms: number, fn: () => unknown): void {
    this.clearTimer();
    const gen = this.generation;
    this.timer = setTimeout(() => this.current(gen) && fn(), ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private teardown(): void {
    this.clearTimer();
    this.playback?.destroy();
    this.playback = undefined;
  }
}

function nameOf(t: Target): string {
  return `${t.app}/${t.stream}`;
}

/** A state and a sentence for a failed attempt: "Stream live/foo is not live (HTTP 404)." and the like. */
export function describeFailure(name: string, f: Failure, listed: boolean | undefined): { state: PlayState; text: string } {
  if (f.httpStatus === 404) return { state: 'offline', text: `Stream ${name} is not live (HTTP 404).` };
  if (f.httpStatus) return { state: 'error', text: `Cannot play ${name}: the server answered HTTP ${f.httpStatus}.` };
  if (listed === false) return { state: 'offline', text: `Stream ${name} is not live (the server does not list it; ${f.detail}).` };
  return { state: 'error', text: `Cannot play ${name}: ${f.detail}.` };
}
