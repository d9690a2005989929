/**
 * AAC in FLV (raw frames + AudioSpecificConfig) → AAC in MPEG-TS (ADTS frames).
 *
 * FLV audio tag body: [SoundFormat<<4 | rate/size/type] [AACPacketType] [data]; AACPacketType 0 carries the
 * AudioSpecificConfig, 1 a raw AAC frame. Parsers return null on malformed input (callers skip and count).
 */

/** FLV AudioTagHeader SoundFormat for AAC. */
export const FLV_SOUND_AAC = 10;

export interface AacTag {
  /** 0 sequence header (AudioSpecificConfig), 1 raw frame. */
  readonly packetType: number;
  readonly data: Buffer;
}

/** What an ADTS header needs from the AudioSpecificConfig. */
export interface AacConfig {
  /** ADTS profile field (audio object type − 1, 0..3). */
  readonly profile: number;
  /** Sampling frequency index (0..12). */
  readonly freqIndex: number;
  readonly sampleRate: number;
  /** Channel configuration (1..7; 0 means "in the stream", which ADTS cannot carry — we assume 2). */
  readonly channels: number;
}

const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Reads the 2-byte FLV AAC header; null if not AAC or too short. */
export function parseAacTag(body: Buffer): AacTag | null {
  if (body.length < 2 || body[0] >> 4 !== FLV_SOUND_AAC) return null;
  return { packetType: body[1], data: body.subarray(2) };
}

/** Parses an AudioSpecificConfig (ISO 14496-3 1.6.2.1); null if malformed. */
export function parseAacConfig(asc: Buffer): AacConfig | null {
  if (asc.length < 2) return null;
  let aot = asc[0] >> 3;
  let bit = 5;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = asc[bit >> 3];
      if (byte === undefined) throw new RangeError('short AudioSpecificConfig');
      v = (v << 1) | ((byte >> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  try {
    if (aot === 31) aot = 32 + read(6);
    let freqIndex = read(4);
    let sampleRate: number;
    if (freqIndex === 15) {
      sampleRate = read(24);
      // ADTS has no explicit-rate form: use the nearest standard index.
      freqIndex = nearestIndex(sampleRate);
    } else {
      sampleRate = SAMPLE_RATES[freqIndex];
      if (sampleRate === undefined) return null;
    }
    const channels = read(4) || 2;
    // ADTS profiles are Main/LC/SSR/LTP; HE-AAC (SBR/PS, AOT 5/29) is signalled implicitly over LC.
    const profile = aot >= 1 && aot <= 4 ? aot - 1 : 1;
    return { profile, freqIndex, sampleRate, channels: Math.min(channels, 7) };
  } catch {
    return null;
  }
}

function nearestIndex(rate: number): number {
  let best = 0;
  for (let i = 1; i < SAMPLE_RATES.length; i++) {
    if (Math.abs(SAMPLE_RATES[i] - rate) < Math.abs(SAMPLE_RATES[best] - rate)) best = i;
  }
  return best;
}

/** ADTS frames carry at most 13 bits of length. */
export const ADTS_MAX_FRAME = 0x1fff - 7;

/** The 7-byte ADTS header (no CRC) for a raw frame of `frameLength` bytes (≤ ADTS_MAX_FRAME). */
export function adtsHeader(frameLength: number, cfg: AacConfig): Buffer {
  const len = frameLength + 7;
  const h = Buffer.allocUnsafe(7);
  h[0] = 0xff;
  h[1] = 0xf1; // sync, MPEG-4, layer 0, no CRC
  h[2] = (cfg.profile << 6) | (cfg.freqIndex << 2) | (cfg.channels >> 2);
  h[3] = ((cfg.channels & 3) << 6) | (len >> 11);
  h[4] = (len >> 3) & 0xff;
  h[5] = ((len & 7) << 5) | 0x1f; // buffer fullness 0x7FF (VBR)
  h[6] = 0xfc; // fullness low bits, one raw data block
  return h;
}
