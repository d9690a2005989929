// One viewer's playback: starts the engine for the chosen protocol, turns engine and <video> events into
// the status line, gives up on a silent stream after a while, and retries failed or ended streams so the
// page starts playing by itself once the publisher (re)starts.
import type { Failure, Playback, StartPlayback } from './playback';
import type { Protocol } from './settings';
import type { StatusLine } from './status';

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

/** How long to wait for the first frame before calling the stream silent. */
const FIRST_FRAME_TIMEOUT_MS = 15_000;
const RETRY_DELAY_MS = 5_000;

export class PlaybackSession {
  private target?: Target;
  private playback?: Playback;
  /** Bumped on every play/stop, so late callbacks from an older attempt are ignored. */
  private generation = 0;
  private timer?: ReturnType<typeof setTimeout>;

  /**
   * @param isLive what the server's stream list says about a stream (undefined when the API is unreachable),
   *   used to explain failures that carry no HTTP status.
   */
  constructor(
    private readonly video: HTMLVideoElement,
    private readonly status: StatusLine,
    private readonly isLive: (app: string, stream: string) => boolean | undefined,
  ) {
    video.addEventListener('playing', () => this.onVideo('playing'));
    video.addEventListener('waiting', () => this.onVideo('buffering'));
    video.addEventListener('ended', () => this.current(this.generation) && this.ended());
  }

  play(target: Target): void {
    this.teardown();
    this.target = target;
    void this.start(target, ++this.generation);
  }

  stop(): void {
    this.teardown();
    this.target = undefined;
    this.generation++;
    this.status.set('idle', 'Stopped. Pick a stream and press Play.');
  }

  private async start(target: Target, gen: number): Promise<void> {
    const name = `${target.app}/${target.stream}`;
    this.status.set('connecting', `Connecting to ${name} over ${PROTOCOL_NAMES[target.protocol]}…`);
    let startPlayback: StartPlayback;
    try {
      startPlayback = await ENGINES[target.protocol]();
    } catch (e) {
      if (this.current(gen)) this.fail({ detail: `could not load the player (${(e as Error).message})` });
      return;
    }
    if (!this.current(gen)) return;
    // Engine callbacks are deferred a tick: the engine is torn down on failure, never from inside its own handler.
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
    // Muted autoplay is allowed everywhere; the viewer unmutes with the controls.
    this.video.play()?.catch(() => undefined);
    this.schedule(FIRST_FRAME_TIMEOUT_MS, () => this.status.state === 'connecting'
      && this.fail({ detail: `no media after ${FIRST_FRAME_TIMEOUT_MS / 1000} s` }));
  }

  private onVideo(state: 'playing' | 'buffering'): void {
    const t = this.target;
    if (!t || !this.playback || this.status.state === 'error' || this.status.state === 'ended') return;
    const name = `${t.app}/${t.stream}`;
    if (state === 'playing') {
      this.clearTimer();
      this.status.set('playing', `Playing ${name} over ${PROTOCOL_NAMES[t.protocol]} (${this.playback.engine}).`);
    } else {
      this.status.set('buffering', `Buffering ${name}…`);
    }
  }

  private fail(f: Failure): void {
    const t = this.target!;
    this.teardown();
    this.status.set('error', `${describeFailure(t, f, this.isLive(t.app, t.stream))} Retrying in ${RETRY_DELAY_MS / 1000} s.`);
    this.retryLater();
  }

  private ended(): void {
    const t = this.target!;
    this.teardown();
    this.status.set('ended', `Stream ${t.app}/${t.stream} ended. Retrying in ${RETRY_DELAY_MS / 1000} s.`);
    this.retryLater();
  }

  private retryLater(): void {
    const t = this.target!;
    this.schedule(RETRY_DELAY_MS, () => this.play(t));
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

/** A sentence for the status line: "stream live/foo is not live (HTTP 404)." and the like. */
export function describeFailure(t: Target, f: Failure, listedLive: boolean | undefined): string {
  const name = `${t.app}/${t.stream}`;
  if (f.httpStatus === 404) return `Stream ${name} is not live (HTTP 404).`;
  if (f.httpStatus) return `Cannot play ${name}: the server answered HTTP ${f.httpStatus}.`;
  if (listedLive === false) return `Stream ${name} is not live (${f.detail}; the server does not list it).`;
  return `Cannot play ${name}: ${f.detail}.`;
}
