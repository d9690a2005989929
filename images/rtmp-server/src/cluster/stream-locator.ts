/**
 * The asking side of the origin cluster (SRS coworkers): which origin holds `app/stream`? Every address
 * `cluster.peers` resolves to is asked `GET /api/v1/clusters` at once (bounded by a timeout); the first
 * `code: 0` answer wins. The RTMP and HTTP addresses are built from the host we asked (the address the
 * asker can reach) and the ports the origin reports. Answers are cached briefly, so a burst of players or
 * HLS requests costs one round of queries.
 */
import type { AddressSet } from '../discovery/address-set';
import { joinHostPort, splitHostPort } from '../discovery/resolver';
import type { Logger } from '../log';

export interface StreamHolder {
  /** `ip:port` of the holder's RTMP listener. */
  readonly rtmp: string;
  /** `ip:port` of the holder's HTTP media listener (HLS, FLV). */
  readonly http: string;
  /** The peer API address that answered. */
  readonly api: string;
}

export interface LocatorOptions {
  /** Per-peer query timeout. @default 2000 */
  readonly timeoutMs?: number;
  /** How long a found holder is reused. @default 3000 */
  readonly cacheMs?: number;
  /** How long "nobody holds it" is reused. @default 1000 */
  readonly missCacheMs?: number;
}

interface CacheEntry { at: number; holder: StreamHolder | null }

export class StreamLocator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<StreamHolder | null>>();
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly missCacheMs: number;

  constructor(private readonly peers: AddressSet, private readonly log: Logger, opts: LocatorOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.cacheMs = opts.cacheMs ?? 3000;
    this.missCacheMs = opts.missCacheMs ?? 1000;
  }

  /** The holder of `app/stream`, or null when no peer has it publishing. */
  locate(app: string, stream: string, fresh = false): Promise<StreamHolder | null> {
    const key = `${app}/${stream}`;
    const hit = this.cache.get(key);
    const now = Date.now();
    if (!fresh && hit && now - hit.at < (hit.holder ? this.cacheMs : this.missCacheMs)) return Promise.resolve(hit.holder);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.ask(app, stream).then((holder) => {
        this.cache.set(key, { at: Date.now(), holder });
        if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
        return holder;
      }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Forgets a holder that turned out wrong (e.g. the pull was refused). */
  forget(app: string, stream: string): void { this.cache.delete(`${app}/${stream}`); }

  private async ask(app: string, stream: string): Promise<StreamHolder | null> {
    const peers = this.peers.addresses();
    if (peers.length === 0) return null;
    const answers = peers.map((peer) => this.askOne(peer, app, stream));
    // First holder wins; null only when every peer said no (or failed).
    return new Promise((resolve) => {
      let pending = answers.length;
      for (const a of answers) {
        void a.then((h) => {
          if (h) resolve(h);
          else if (--pending === 0) resolve(null);
        });
      }
    });
  }

  private async askOne(peer: string, app: string, stream: string): Promise<StreamHolder | null> {
    const hp = splitHostPort(peer);
    if (!hp) return null;
    const q = new URLSearchParams({ vhost: '__defaultVhost__', ip: '', app, stream, coworker: peer });
    try {
      const res = await fetch(`http://${peer}/api/v1/clusters?${q}`, { signal: AbortSignal.timeout(this.timeoutMs) });
      const body = await res.json() as { code?: number; data?: { origin?: { port?: unknown; http_port?: unknown } } };
      const o = body.data?.origin;
      if (body.code !== 0 || !o || typeof o.port !== 'number') return null;
      const httpPort = typeof o.http_port === 'number' ? o.http_port : 8080;
      return { rtmp: joinHostPort(hp.host, o.port), http: joinHostPort(hp.host, httpPort), api: peer };
    } catch (e) {
      this.log.debug({ event: 'cluster-query-failed', peer, app, stream, err: (e as Error).message }, 'cluster query failed');
      return null;
    }
  }
}
