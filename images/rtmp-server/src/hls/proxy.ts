/**
 * What passes HLS requests between servers shares: the marker header on a request one server makes to another
 * (an edge cache's fetch, src/hls/edge-upstream), which the receiver never passes on again and never counts as a
 * viewer, and the shape of a handler that answers HLS a server has no file for (src/hls/edge-serve).
 */
import type * as http from 'node:http';
import { parseHlsPath } from './edge-serve';

export const PROXIED_HEADER = 'x-rtmp-server-proxied';

/** `{app, stream}` from an HLS path, or null if it is not one (or not a safe name). */
export function hlsTarget(rawPath: string): { app: string; stream: string } | null {
  const key = parseHlsPath(rawPath);
  return key ? { app: key.app, stream: key.stream } : null;
}

/** Answers `req` and returns true, or returns false to leave it to the caller. `cors`: Access-Control-Allow-Origin ('' none). */
export type HlsProxy = (req: http.IncomingMessage, res: http.ServerResponse, cors: string) => boolean;
