/**
 * Idle detection for many connections with one timer: each watched connection reports its byte count, and a
 * sweep every `everyMs` ends those whose count has not moved for `idleMs`. A socket timeout per publisher would
 * instead re-arm a timer on every read (a timer-list update per socket read, per stream).
 */
interface Watched {
  readonly bytes: () => number;
  readonly onIdle: () => void;
  last: number;
  since: number;
}

export class IdleSweep {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly idleMs: number, private readonly everyMs: number) {}

  /** Starts watching; the returned function stops it (call it when the connection ends). */
  watch(bytes: () => number, onIdle: () => void): () => void {
    const w: Watched = { bytes, onIdle, last: bytes(), since: Date.now() };
    this.watched.add(w);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      this.watched.delete(w);
      if (this.watched.size === 0 && this.timer) { clearInterval(this.timer); this.timer = null; }
    };
  }

  private sweep(): void {
    const now = Date.now();
    const idle: Watched[] = [];
    for (const w of this.watched) {
      const b = w.bytes();
      if (b !== w.last) { w.last = b; w.since = now; } else if (now - w.since >= this.idleMs) idle.push(w);
    }
    for (const w of idle) {
      this.watched.delete(w);
      try { w.onIdle(); } catch { /* ending one connection must not stop the sweep */ }
    }
    if (this.watched.size === 0 && this.timer) { clearInterval(this.timer); this.timer = null; }
  }
}
