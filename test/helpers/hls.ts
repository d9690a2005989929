import * as fs from 'node:fs';
import pino from 'pino';
import type { HlsConfig } from '../../lib/server-config';
import type { MediaSink } from '../../images/rtmp-server/src/hub/types';
import type { FlvTag } from './flv-file';

/** A logger that prints nothing (tests assert on files and counters, not on log lines). */
export const quietLog = pino({ level: 'silent' });

export function hlsConfig(dir: string, over: Partial<HlsConfig> = {}): HlsConfig {
  return { enabled: true, dir, fragmentSeconds: 2, windowSeconds: 10, cleanupDelaySeconds: 30, sharedDir: false, ...over };
}

/** Feeds tags to a sink as fast as possible (the writer runs on media time, not wall-clock time). */
export function feed(sink: MediaSink, tags: readonly FlvTag[], offsetMs = 0): void {
  for (const t of tags) sink.onMessage({ type: t.type, timestamp: t.timestamp + offsetMs, payload: t.payload });
}

/** The parts of a media playlist the tests check. */
export interface ParsedPlaylist {
  readonly targetDuration: number;
  readonly mediaSequence: number;
  /** Segment file names (`name`, without the `?hls_ctx=` a server adds for its viewer count), and the URIs as listed. */
  readonly segments: { name: string; uri: string; duration: number }[];
  readonly discontinuities: number;
  readonly ended: boolean;
}

export function parsePlaylist(text: string): ParsedPlaylist {
  const lines = text.trim().split('\n');
  if (lines[0] !== '#EXTM3U') throw new Error(`not a playlist:\n${text}`);
  const num = (tag: string): number => Number(lines.find((l) => l.startsWith(tag))?.slice(tag.length));
  const segments: { name: string; uri: string; duration: number }[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('#EXTINF:')) segments.push({ duration: parseFloat(l.slice(8)), name: lines[i + 1].split('?')[0], uri: lines[i + 1] });
  });
  return {
    targetDuration: num('#EXT-X-TARGETDURATION:'),
    mediaSequence: num('#EXT-X-MEDIA-SEQUENCE:'),
    segments,
    discontinuities: lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length,
    ended: lines.includes('#EXT-X-ENDLIST'),
  };
}

/** Every file below `dir` (relative paths), for "nothing written elsewhere" checks. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes; returns its last answer. */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
