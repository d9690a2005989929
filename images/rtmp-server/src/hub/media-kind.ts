/**
 * What a media message is, from its first bytes (FLV tag body rules, including Enhanced RTMP's
 * ex-header for HEVC/AV1): keyframe, codec configuration, metadata.
 */
import { AUDIO, DATA, MediaMessage, VIDEO } from './types';

export const enum Kind { Frame, Keyframe, VideoConfig, AudioConfig, Metadata, Other }

export function classify(m: MediaMessage): Kind {
  const p = m.payload;
  if (m.type === VIDEO) {
    if (p.length < 2) return Kind.Other;
    const exHeader = (p[0] & 0x80) !== 0;
    const frameType = (p[0] >> 4) & 7;
    const isConfig = exHeader ? (p[0] & 0x0f) === 0 : ((p[0] & 0x0f) === 7 || (p[0] & 0x0f) === 12) && p[1] === 0;
    if (isConfig) return Kind.VideoConfig;
    if (frameType === 5) return Kind.Other; // video info/command frame
    return frameType === 1 ? Kind.Keyframe : Kind.Frame;
  }
  if (m.type === AUDIO) {
    if (p.length < 1) return Kind.Other;
    if (p[0] >> 4 === 10 && p.length >= 2 && p[1] === 0) return Kind.AudioConfig;
    return Kind.Frame;
  }
  if (m.type === DATA) return isOnMetaData(p) ? Kind.Metadata : Kind.Other;
  return Kind.Other;
}

const ON_METADATA = Buffer.from('\x02\x00\x0aonMetaData', 'latin1');
const SET_DATA_FRAME = Buffer.from('\x02\x00\x0d@setDataFrame', 'latin1');

function isOnMetaData(p: Buffer): boolean {
  return p.subarray(0, ON_METADATA.length).equals(ON_METADATA) ||
    p.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME);
}

/** Players expect `onMetaData, {...}`; publishers send `@setDataFrame, onMetaData, {...}`. Strips the first. */
export function normalizeMetadata(p: Buffer): Buffer {
  return p.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME) ? p.subarray(SET_DATA_FRAME.length) : p;
}
