/**
 * Media slabs given back to a pool when their last holder lets go, instead of waiting for V8's full GC.
 *
 * A publisher's frames are slices of slabs (chunk-decoder.ts) that the GOP cache keeps for a GOP. Left to the GC,
 * a slab is freed only at the next mark-compact after its GOP is replaced, which V8 starts when external memory has
 * grown by a share of the live set: at 200 streams of 2.6 Mbit/s that is ~85 MB of dead slabs on top of ~100 MB
 * live. A slab here counts its holders and goes back to the pool at zero.
 *
 * Slabs come in three sizes, 32, 64 and 128 KiB: a frame that does not fit the current slab takes the smallest that
 * holds it. What a stream holds beyond its GOP's bytes is the unused part of its first and current slabs, so small
 * slabs keep a low-bitrate stream's share small (a 600 kbit/s GOP is ~150 KB) while a keyframe still fits whole.
 * The HLS muxer's TS pieces (mpegts.ts TsBuffer) are slabs of the same pool, held until written.
 *
 * Holders: the decoder while it carves from the slab, each message being assembled in it (until its onMessage
 * returns), each hub Entry held by a merge window (hub/entry.ts `hold`/`drop`) and each GOP cache once per run of
 * its messages in the slab (hub/gop-cache.ts). A payload passed
 * to onMessage is valid only during the call: whoever keeps it longer takes a hold (`slabOf(payload)?.retain()`)
 * or copies it. Only decoders that feed the hub alone recycle (the server's publishers, edge pulls); any other
 * decoder's slabs are plain buffers that the GC frees. A holder that forgets to let go only leaves its slab to the
 * GC; one that lets go too early would corrupt frames, which is what `RTMP_SERVER_POISON_SLABS=1` (the tests) catches:
 * a freed slab is then filled with 0xEE and never reused.
 */
/** The largest slab: audio and video messages up to this size are carved from slabs. */
export const SLAB_SIZE = 128 * 1024;
/** The smallest slab (the sizes double from here to SLAB_SIZE). */
export const SLAB_MIN = 32 * 1024;
const SIZES = [SLAB_MIN, 2 * SLAB_MIN, SLAB_SIZE];
/**
 * Free slabs beyond what was taken again within this long are left to the GC: the pool keeps what the load
 * needs (a GOP's slabs come back at once, at its next keyframe, and are taken again over that GOP), and
 * gives back what it stops needing when streams end.
 */
const TRIM_MS = 10_000;
export const SLAB_POISON_BYTE = 0xee;
const poison = process.env.RTMP_SERVER_POISON_SLABS === '1';

/** Free slabs of each size (index as in SIZES), and the fewest each list had since the last trim. */
const free: Buffer[][] = SIZES.map(() => []);
const lowWater: number[] = SIZES.map(() => 0);
let trimTimer: NodeJS.Timeout | null = null;
/** Bytes of pooled slabs taken and not yet given back (held by GOP caches, merge windows, decoders). */
let inUseBytes = 0;
/** The pooled slab each live slab buffer belongs to (a payload finds its slab through its ArrayBuffer). */
const owners = new WeakMap<ArrayBufferLike, Slab>();

function sizeIndex(bytes: number): number {
  return bytes <= SLAB_MIN ? 0 : bytes <= 2 * SLAB_MIN ? 1 : 2;
}

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
    inUseBytes -= this.buf.length;
    owners.delete(this.buf.buffer);
    if (poison) { this.buf.fill(SLAB_POISON_BYTE); return; }
    free[sizeIndex(this.buf.length)].push(this.buf);
    trimTimer ??= setInterval(trim, TRIM_MS).unref();
  }
}

/**
 * A slab of at least `bytes` (at most SLAB_SIZE) for a decoder: the smallest size that holds them, from the pool
 * (and given back at its last release) if `pooled`, else a plain SLAB_SIZE buffer (fewest allocations for the GC).
 */
export function takeSlab(pooled: boolean, bytes = 0): Slab {
  if (!pooled) return new Slab(Buffer.allocUnsafeSlow(SLAB_SIZE), false);
  const i = sizeIndex(bytes);
  const list = free[i];
  const s = new Slab(list.pop() ?? Buffer.allocUnsafeSlow(SIZES[i]), true);
  inUseBytes += s.buf.length;
  if (list.length < lowWater[i]) lowWater[i] = list.length;
  owners.set(s.buf.buffer, s);
  return s;
}

function trim(): void {
  let left = 0;
  free.forEach((list, i) => {
    list.length -= Math.min(lowWater[i], list.length);
    lowWater[i] = list.length;
    left += list.length;
  });
  if (left === 0 && trimTimer) { clearInterval(trimTimer); trimTimer = null; }
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
  return { inUse: inUseBytes, free: free.reduce((n, list, i) => n + list.length * SIZES[i], 0) };
}

