/**
 * Media slabs given back to a pool when their last holder lets go, instead of waiting for V8's full GC.
 *
 * A publisher's frames are slices of 128 KiB slabs (chunk-decoder.ts) that the GOP cache keeps for a GOP. Left to
 * the GC, a slab is freed only at the next mark-compact after its GOP is replaced, which V8 starts when external
 * memory has grown by a share of the live set: at 200 streams of 2.6 Mbit/s that is ~85 MB of dead slabs on top of
 * ~100 MB live. A slab here counts its holders and goes back to the pool at zero.
 *
 * Holders: the decoder while it carves from the slab, each message being assembled in it (until its onMessage
 * returns), and each hub Entry held by a GOP cache or merge window (hub/entry.ts `hold`/`drop`). A payload passed
 * to onMessage is valid only during the call: whoever keeps it longer takes a hold (`slabOf(payload)?.retain()`)
 * or copies it. Only decoders that feed the hub alone recycle (the server's publishers, edge pulls); any other
 * decoder's slabs are plain buffers that the GC frees. A holder that forgets to let go only leaves its slab to the
 * GC; one that lets go too early would corrupt frames, which is what `RTMP_SERVER_POISON_SLABS=1` (the tests) catches:
 * a freed slab is then filled with 0xEE and never reused.
 */
export const SLAB_SIZE = 128 * 1024;
/**
 * Free slabs beyond what was taken again within this long are left to the GC: the pool keeps what the load
 * needs (a GOP's slabs come back at once, at its next keyframe, and are taken again over that GOP), and
 * gives back what it stops needing when streams end.
 */
const TRIM_MS = 10_000;
export const SLAB_POISON_BYTE = 0xee;
const poison = process.env.RTMP_SERVER_POISON_SLABS === '1';

const free: Buffer[] = [];
/** The fewest free slabs since the last trim: that many were not needed. */
let lowWater = 0;
let trimTimer: NodeJS.Timeout | null = null;
/** Pooled slabs taken and not yet given back (held by GOP caches, merge windows, decoders). */
let inUse = 0;
/** The pooled slab each live slab buffer belongs to (a payload finds its slab through its ArrayBuffer). */
const owners = new WeakMap<ArrayBufferLike, Slab>();

export class Slab {
  private refs = 1;

  /** Taken with one hold: the taker's. */
  constructor(readonly buf: Buffer, private readonly pooled: boolean) {}

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (!this.pooled) return;
    if (this.refs <= 0) {
      if (poison) throw new Error('slab released more often than held');
      return;
    }
    if (--this.refs > 0) return;
    inUse--;
    owners.delete(this.buf.buffer);
    if (poison) { this.buf.fill(SLAB_POISON_BYTE); return; }
    free.push(this.buf);
    trimTimer ??= setInterval(trim, TRIM_MS).unref();
  }
}

/** A slab for a decoder: from the pool (and given back at its last release) if `pooled`, else a plain buffer. */
export function takeSlab(pooled: boolean): Slab {
  if (!pooled) return new Slab(Buffer.allocUnsafeSlow(SLAB_SIZE), false);
  const s = new Slab(free.pop() ?? Buffer.allocUnsafeSlow(SLAB_SIZE), true);
  inUse++;
  if (free.length < lowWater) lowWater = free.length;
  owners.set(s.buf.buffer, s);
  return s;
}

function trim(): void {
  free.length -= Math.min(lowWater, free.length);
  lowWater = free.length;
  if (free.length === 0 && trimTimer) { clearInterval(trimTimer); trimTimer = null; }
}

/** The pooled slab `payload` is a slice of, if any. */
export function slabOf(payload: Buffer): Slab | undefined {
  return owners.get(payload.buffer);
}

/** Runs the periodic trim now (tests). */
export function trimSlabsNow(): void {
  trim();
}

/** Bytes of pooled slabs held now, and free in the pool (metrics, tests). */
export function slabBytes(): { inUse: number; free: number } {
  return { inUse: inUse * SLAB_SIZE, free: free.length * SLAB_SIZE };
}

