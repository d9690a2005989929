/** Codec facts for the API (SRS `video{}`/`audio{}`), read from sequence headers; never throws. */
import { parseH264Size } from './h264-sps';
import type { AudioInfo, VideoInfo } from './types';

const H264_PROFILES: Record<number, string> = {
  66: 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High', 110: 'High10', 122: 'High422', 244: 'High444',
};
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const AAC_PROFILES: Record<number, string> = { 1: 'Main', 2: 'LC', 3: 'SSR', 5: 'HE', 29: 'HEv2' };

/** From an FLV video config tag body (AVC: `17 00 000000` + AVCDecoderConfigurationRecord). */
export function videoInfo(p: Buffer): VideoInfo | null {
  try {
    if (p[0] & 0x80) {
      const fourcc = p.toString('latin1', 1, 5);
      return { codec: fourcc === 'hvc1' ? 'H265' : fourcc.toUpperCase(), profile: '', level: '', width: 0, height: 0 };
    }
    const codecId = p[0] & 0x0f;
    if (codecId === 12) return { codec: 'H265', profile: '', level: '', width: 0, height: 0 };
    if (codecId !== 7 || p.length < 16) return null;
    const rec = p.subarray(5);
    const profile = H264_PROFILES[rec[1]] ?? String(rec[1]);
    const level = (rec[3] / 10).toString();
    let width = 0, height = 0;
    if ((rec[5] & 0x1f) >= 1) {
      const len = rec.readUInt16BE(6);
      const size = parseH264Size(rec.subarray(8, 8 + len));
      if (size) ({ width, height } = size);
    }
    return { codec: 'H264', profile, level, width, height };
  } catch {
    return null;
  }
}

/** From an FLV AAC config tag body (`AF 00` + AudioSpecificConfig). */
export function audioInfo(p: Buffer): AudioInfo | null {
  try {
    if (p[0] >> 4 !== 10 || p.length < 4) return null;
    const objectType = p[2] >> 3;
    const rateIndex = ((p[2] & 7) << 1) | (p[3] >> 7);
    const channels = (p[3] >> 3) & 0x0f;
    return { codec: 'AAC', sample_rate: AAC_RATES[rateIndex] ?? 0, channel: channels, profile: AAC_PROFILES[objectType] ?? String(objectType) };
  } catch {
    return null;
  }
}
