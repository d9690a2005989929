/** The live media playlist text (RFC 8216, version 3). */

export interface PlaylistSegment {
  readonly seq: number;
  readonly name: string;
  readonly durationMs: number;
  /** Starts after a publisher restart or a timestamp jump. */
  readonly discontinuity: boolean;
}

/**
 * Renders a live playlist (no #EXT-X-ENDLIST: players keep polling, so a publisher that comes back within the
 * cleanup delay continues the same playlist). `targetDuration` must be ≥ every EXTINF rounded.
 */
export function renderPlaylist(segments: readonly PlaylistSegment[], targetDuration: number, discontinuitySeq: number): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${segments.length ? segments[0].seq : 0}`,
  ];
  if (discontinuitySeq > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySeq}`);
  for (const s of segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${(s.durationMs / 1000).toFixed(3)},`, s.name);
  }
  return lines.join('\n') + '\n';
}
