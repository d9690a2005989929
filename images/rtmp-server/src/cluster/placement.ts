/**
 * Where a stream published through an edge lands: rendezvous (highest-random-weight) hashing of `app/stream`
 * over the origins' addresses. Every edge that sees the same origin set picks the same origin for a name,
 * so two edges forwarding one name agree; adding or removing an origin moves only the streams that hashed
 * to it. The full order is returned, so the next ones are the failover order.
 */
import { createHash } from 'node:crypto';

function weight(key: string, address: string): bigint {
  return createHash('sha1').update(`${key}\0${address}`).digest().readBigUInt64BE(0);
}

/** `origins` ordered by preference for `app/stream` (deterministic, independent of the input order). */
export function originOrder(app: string, stream: string, origins: readonly string[]): string[] {
  const key = `${app}/${stream}`;
  return [...new Set(origins)]
    .map((a) => ({ a, w: weight(key, a) }))
    .sort((x, y) => (x.w === y.w ? (x.a < y.a ? -1 : 1) : x.w > y.w ? -1 : 1))
    .map((x) => x.a);
}
