/**
 * Which tracks a publish carries, for the FLV file header's flag byte. Players trust that byte: a header that
 * announces audio + video on an audio-only stream makes ffmpeg and mpegts.js wait for video that never comes.
 * The answer comes from the publisher's onMetaData when it names its codecs (encoders send it first), else
 * from what arrived up to the first audio or video frame (sequence headers come before the first frame).
 */
import { decodeAmf0 } from '../protocol/rtmp/amf0';
import type { AmfObject } from '../protocol/rtmp/amf0';
import { Kind } from './media-kind';
import { AUDIO, MediaMessage, VIDEO } from './types';

export interface Tracks { readonly audio: boolean; readonly video: boolean }

export class TrackSniffer {
  private known: Tracks | null = null;
  private audioSeen = false;
  private videoSeen = false;

  /** The publish's tracks, or null while they are not known yet. */
  get tracks(): Tracks | null { return this.known; }

  /** A new (or no) publisher: learn again. */
  reset(): void {
    this.known = null;
    this.audioSeen = this.videoSeen = false;
  }

  /** Looks at one message (metadata already normalized); true when this message made the tracks known. */
  learn(m: MediaMessage, kind: Kind): boolean {
    if (this.known) return false;
    if (m.type === AUDIO) this.audioSeen = true;
    if (m.type === VIDEO) this.videoSeen = true;
    if (kind === Kind.Metadata) this.known = fromMetadata(m.payload);
    else if (kind === Kind.Frame || kind === Kind.Keyframe) this.known = { audio: this.audioSeen, video: this.videoSeen };
    return this.known !== null;
  }
}

/** `onMetaData` naming its codecs (or hasAudio/hasVideo) → tracks; null when it says neither. */
function fromMetadata(payload: Buffer): Tracks | null {
  let values;
  try {
    values = decodeAmf0(payload);
  } catch {
    return null; // unreadable metadata: fall back to the frames
  }
  const o = values.find((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) as AmfObject | undefined;
  if (!o) return null;
  const has = (flag: string, codec: string): boolean | null =>
    typeof o[flag] === 'boolean' ? (o[flag] as boolean) : (codec in o ? true : null);
  const audio = has('hasAudio', 'audiocodecid');
  const video = has('hasVideo', 'videocodecid');
  if (audio === null && video === null) return null;
  return { audio: audio ?? false, video: video ?? false };
}
