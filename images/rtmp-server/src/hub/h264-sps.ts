/**
 * Width and height from an H.264 SPS, for the API. Written here rather than reusing node-media-server's
 * `parseH264Sps`: that one loops `num_ref_frames_in_pic_order_cnt_cycle` times with the count read from
 * the peer's bytes (up to 2^30), so one hostile sequence header could stall the process for minutes.
 * Every loop here is bounded by the spec's limits and by the bits that exist.
 */
class Bits {
  private pos = 0;
  constructor(private readonly b: Buffer) {}
  get exhausted(): boolean { return this.pos > this.b.length * 8; }
  bit(): number {
    const byte = this.pos >> 3;
    const v = byte < this.b.length ? (this.b[byte] >> (7 - (this.pos & 7))) & 1 : 0;
    this.pos++;
    return v;
  }
  bits(n: number): number { let v = 0; for (let i = 0; i < n; i++) v = v * 2 + this.bit(); return v; }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) { if (++zeros > 31 || this.exhausted) throw new Error('bad exp-golomb'); }
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number { const k = this.ue(); return k % 2 ? (k + 1) / 2 : -k / 2; }
}

/** Removes emulation-prevention bytes (00 00 03). */
function rbsp(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out[n++] = nal[i];
  }
  return out.subarray(0, n);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** `sps` is the NAL unit with its header byte. Returns null when it does not parse. */
export function parseH264Size(sps: Buffer): { width: number; height: number } | null {
  try {
    const r = new Bits(rbsp(sps.subarray(0, 512)));
    r.bits(8);
    const profile = r.bits(8);
    r.bits(16);
    r.ue();
    let chroma = 1;
    if (HIGH_PROFILES.has(profile)) {
      chroma = r.ue();
      if (chroma === 3) r.bit();
      r.ue(); r.ue(); r.bit();
      if (r.bit()) {
        for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) {
          if (!r.bit()) continue;
          let last = 8, next = 8;
          for (let j = 0; j < (i < 6 ? 16 : 64); j++) {
            if (next !== 0) next = (last + r.se() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    r.ue();
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.bit(); r.se(); r.se();
      const cycle = r.ue();
      if (cycle > 255) return null; // spec maximum
      for (let i = 0; i < cycle; i++) r.se();
    }
    r.ue(); r.bit();
    const wMbs = r.ue() + 1;
    const hUnits = r.ue() + 1;
    const frameMbsOnly = r.bit();
    if (!frameMbsOnly) r.bit();
    r.bit();
    let cl = 0, cr = 0, ct = 0, cb = 0;
    if (r.bit()) { cl = r.ue(); cr = r.ue(); ct = r.ue(); cb = r.ue(); }
    if (r.exhausted) return null;
    const cropX = chroma === 0 || chroma === 3 ? 1 : 2;
    const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = wMbs * 16 - cropX * (cl + cr);
    const height = (2 - frameMbsOnly) * hUnits * 16 - cropY * (ct + cb);
    return width > 0 && height > 0 && width <= 16384 && height <= 16384 ? { width, height } : null;
  } catch {
    return null;
  }
}
