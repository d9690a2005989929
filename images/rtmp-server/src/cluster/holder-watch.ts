/**
 * An edge pull that waits on an origin where the stream is not (it was pulled before anyone published, or
 * the stream was published straight to another origin) asks again every few seconds and moves when the
 * stream turns up elsewhere. Ends by itself once media flows or the pull ends.
 */
import type { OriginChooser } from './origin-chooser';

export interface HolderWatchOptions {
  readonly chooser: OriginChooser;
  readonly app: string;
  readonly stream: string;
  /** `host:port` the pull is connected to. */
  readonly current: string;
  /** True while the pull has had no media yet. */
  readonly waiting: () => boolean;
  /** Drops the connection so the pull reconnects (to the holder, through the chooser). */
  readonly move: (reason: string) => void;
  readonly intervalMs: number;
}

/** Starts watching; returns a function that stops it. */
export function watchHolder(o: HolderWatchOptions): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || !o.waiting()) return stop();
    void o.chooser.locator.locate(o.app, o.stream).then((h) => {
      if (stopped || !o.waiting() || !h || h.rtmp === o.current) return;
      stop();
      o.move(`stream is on ${h.rtmp}`);
    });
  }, Math.max(200, o.intervalMs));
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return stop;
}
