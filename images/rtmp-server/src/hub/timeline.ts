/**
 * The timeline of one publish: publisher timestamps made monotonic, as every output (players, pushes, HLS) sees
 * them. Encoders reset their clocks mid-stream; what reaches players must not jump back, nor leap far ahead.
 *
 * - A step back of more than JUMP_BACK_MS, or ahead of more than JUMP_FORWARD_MS, from the newest timestamp
 *   so far is rebased to continue one frame after it (what the hub already did across publishers, now within
 *   one publish too). Smaller steps back are audio/video interleaving and pass unchanged; smaller leaps ahead
 *   are real gaps (HLS cuts a segment with a discontinuity there). Differences are taken modulo 2^32, so the
 *   RTMP timestamp wrap is a small step forward, not a jump.
 * - An encoder's timeline (first timestamp under FRESH_BELOW_MS) is moved to start at the wall clock, taken
 *   modulo EPOCH_SPAN_MS above EPOCH_BASE_MS and rounded up to EPOCH_ALIGN_MS. HLS derives segment numbers from these timestamps, so a stream
 *   published again never reuses a segment name (segments are cached for a day), even after every server
 *   restarted. A timeline that already starts that high came from one of our servers (a relay push, an edge
 *   pull) and is kept as it is, so every server fed by one relay sees the same timestamps.
 */
import type { TimelineInfo } from './types';

export const JUMP_BACK_MS = 1000;
export const JUMP_FORWARD_MS = 10_000;
/** Where a rebased timestamp lands after the newest one (one frame at 25 fps). */
export const REBASE_STEP_MS = 40;
const FRESH_BELOW_MS = 1_000_000;
const EPOCH_BASE_MS = 2_000_000;
/**
 * The start is rounded up to 10 s, so an encoder's keyframes keep their phase against HLS slots of 1, 2, 5 or 10 s
 * (segments then start on keyframes: hls/writer.ts).
 */
const EPOCH_ALIGN_MS = 10_000;
/** 2^30 ms ≈ 12.4 days: names repeat only after that, far beyond a day's caching; the 32-bit wrap is ≥ 37 days away. */
const EPOCH_SPAN_MS = 2 ** 30;

export class PublishClock implements TimelineInfo {
  private offset = 0;
  private newest = -1;
  /** The last `map()` rebased a jump. */
  jumped = false;
  /** The timeline was started here (an encoder's first timestamp), not continued from another server. */
  fromStart = false;
  /** Jumps rebased in this publish. */
  jumps = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The newest output timestamp so far (0 before the first). */
  newestOr0(): number { return Math.max(0, this.newest); }

  /** The output timestamp (ms, 32-bit) of an audio/video timestamp from the publisher. */
  map(raw: number): number {
    this.jumped = false;
    if (this.newest < 0) {
      this.fromStart = raw < FRESH_BELOW_MS;
      if (this.fromStart) this.offset = EPOCH_BASE_MS + Math.ceil((this.now() % EPOCH_SPAN_MS) / EPOCH_ALIGN_MS) * EPOCH_ALIGN_MS;
      this.newest = (raw + this.offset) >>> 0;
      return this.newest;
    }
    let out = (raw + this.offset) >>> 0;
    const d = (out - this.newest) | 0;
    if (d < -JUMP_BACK_MS || d > JUMP_FORWARD_MS) {
      out = (this.newest + REBASE_STEP_MS) >>> 0;
      this.offset = (out - raw) >>> 0;
      this.jumped = true;
      this.jumps++;
    }
    if (((out - this.newest) | 0) > 0) this.newest = out;
    return out;
  }
}
