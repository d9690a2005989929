/**
 * HLS viewers, counted on whichever server answers them: a session is an `hls_ctx` id (or, without one, a
 * client address) seen within the last two target durations of its stream. Memory is bounded: sessions
 * expire on a timer, and past `maxSessions` new ids are counted by client address instead.
 */
export interface HlsViewer {
  readonly id: string;
  readonly app: string;
  readonly stream: string;
  readonly ip: string;
  readonly startedAt: number;
  lastSeen: number;
  sendBytes: number;
}

export interface HlsViewersOptions {
  /** Client ids (shared with the hub's, so API ids never clash). */
  readonly newId: () => string;
  /** Target duration assumed until a stream's playlist has been served, in seconds. */
  readonly defaultTargetSeconds: number;
  /** Most sessions kept. @default 100000 */
  readonly maxSessions?: number;
}

export class HlsViewers {
  private readonly sessions = new Map<string, HlsViewer>();
  private readonly targetMs = new Map<string, number>();
  private readonly maxSessions: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: HlsViewersOptions) {
    this.maxSessions = opts.maxSessions ?? 100_000;
    this.sweeper = setInterval(() => this.sweep(Date.now()), 1000);
    this.sweeper.unref();
  }

  /** A served request of `app/stream`: `ctx` from the URL (null: key on `ip`), `bytes` sent. */
  touch(app: string, stream: string, ctx: string | null, ip: string, bytes: number, now = Date.now()): void {
    const streamKey = `${app}/${stream}`;
    let key = `${streamKey}\n${ctx !== null ? `c:${ctx}` : `a:${ip}`}`;
    let v = this.sessions.get(key);
    if (!v && ctx !== null && this.sessions.size >= this.maxSessions) {
      key = `${streamKey}\na:${ip}`;
      v = this.sessions.get(key);
    }
    if (!v) {
      if (this.sessions.size >= this.maxSessions) return;
      v = { id: this.opts.newId(), app, stream, ip, startedAt: now, lastSeen: now, sendBytes: 0 };
      this.sessions.set(key, v);
    }
    v.lastSeen = now;
    v.sendBytes += bytes;
  }

  /** The stream's target duration (from a playlist just served) sets how long its sessions live. */
  setTargetDuration(app: string, stream: string, seconds: number): void {
    if (seconds > 0 && this.targetMs.size < this.maxSessions) this.targetMs.set(`${app}/${stream}`, seconds * 1000);
  }

  /** Sessions alive now. */
  list(now = Date.now()): HlsViewer[] {
    this.sweep(now);
    return [...this.sessions.values()];
  }

  get size(): number { return this.sessions.size; }

  close(): void { clearInterval(this.sweeper); }

  private ttl(app: string, stream: string): number {
    // Two target durations, plus a second for a player's request in flight.
    return 2 * (this.targetMs.get(`${app}/${stream}`) ?? this.opts.defaultTargetSeconds * 1000) + 1000;
  }

  private sweep(now: number): void {
    const live = new Set<string>();
    for (const [k, v] of this.sessions) {
      if (now - v.lastSeen > this.ttl(v.app, v.stream)) this.sessions.delete(k);
      else live.add(`${v.app}/${v.stream}`);
    }
    for (const k of this.targetMs.keys()) if (!live.has(k)) this.targetMs.delete(k);
  }
}
