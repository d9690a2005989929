// The one-line status under the video, mirrored as a message over the video while nothing plays, so a
// stream that is not live reads as a sentence instead of an endless spinner.

/** `offline`: the stream is not live (the page keeps waiting or retrying); `error`: anything else went wrong. */
export type PlayState = 'idle' | 'connecting' | 'playing' | 'buffering' | 'offline' | 'ended' | 'error';

export class StatusLine {
  private current: PlayState = 'idle';

  /** `line` is a live region (role=status); `overlay` sits on top of the video. */
  constructor(private readonly line: HTMLElement, private readonly overlay: HTMLElement) {}

  get state(): PlayState {
    return this.current;
  }

  get text(): string {
    return this.line.textContent ?? '';
  }

  set(state: PlayState, text: string): void {
    this.current = state;
    this.line.dataset.state = state;
    this.line.textContent = text;
    this.overlay.dataset.state = state;
    this.overlay.textContent = text;
    this.overlay.hidden = state === 'playing' || state === 'buffering';
  }
}
