/**
 * Which app and stream names we accept: `[A-Za-z0-9._~-]`, 1..128 characters, no `..`, not `.`. The
 * names become file names (HLS) and URL paths, so anything else is refused before it reaches the hub.
 */
const NAME = /^[A-Za-z0-9._~-]{1,128}$/;

export function isValidName(name: string): boolean {
  return NAME.test(name) && !name.includes('..') && name !== '.';
}

/** Splits `name?query` (RTMP puts the query on the app or the stream name). */
export function splitQuery(s: string): { name: string; query: URLSearchParams } {
  const i = s.indexOf('?');
  if (i < 0) return { name: s, query: new URLSearchParams() };
  return { name: s.slice(0, i), query: new URLSearchParams(s.slice(i + 1)) };
}
