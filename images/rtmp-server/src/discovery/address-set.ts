/**
 * The live set of addresses behind a list of `host:port` entries, re-resolved every `intervalSeconds`.
 * Listeners hear about addresses that appear and vanish. A failed lookup keeps the last answer for that
 * entry (a DNS hiccup must not tear down every push or peer), while an empty answer empties it (the
 * headless Service has no ready pods left).
 */
import type { Logger } from '../log';
import type { Resolver } from './resolver';

export interface AddressChange {
  readonly added: string[];
  readonly removed: string[];
}

export interface AddressSetOptions {
  readonly entries: readonly string[];
  readonly intervalSeconds: number;
  readonly resolve: Resolver;
  readonly log: Logger;
  /** What the set is for, in log lines (e.g. 'relay.targets'). */
  readonly label: string;
}

export class AddressSet {
  private entries: readonly string[];
  private intervalMs: number;
  private readonly byEntry = new Map<string, string[]>();
  private current = new Set<string>();
  private readonly listeners: ((c: AddressChange) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: AddressSetOptions) {
    this.entries = opts.entries;
    this.intervalMs = Math.max(0.1, opts.intervalSeconds) * 1000;
  }

  /** Resolves once now, then every interval. Resolves when the first round is done. */
  start(): Promise<void> {
    const first = this.refresh();
    this.arm();
    return first;
  }

  private arm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** A reloaded config: new entries and interval, applied with an immediate round. */
  setEntries(entries: readonly string[], intervalSeconds: number): Promise<void> {
    const ms = Math.max(0.1, intervalSeconds) * 1000;
    if (JSON.stringify(entries) === JSON.stringify(this.entries) && ms === this.intervalMs) return Promise.resolve();
    this.entries = entries;
    for (const e of [...this.byEntry.keys()]) if (!entries.includes(e)) this.byEntry.delete(e);
    if (ms !== this.intervalMs) { this.intervalMs = ms; if (this.timer) this.arm(); }
    return this.running ? this.running.then(() => this.refresh()) : this.refresh();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  onChange(l: (c: AddressChange) => void): void { this.listeners.push(l); }

  /** The addresses now, sorted (so every process that sees the same answer lists it in the same order). */
  addresses(): string[] { return [...this.current].sort(); }

  /** One resolution round (rounds never overlap: a slow DNS answer is waited for, not duplicated). */
  refresh(): Promise<void> {
    this.running ??= this.round().finally(() => { this.running = null; });
    return this.running;
  }

  private async round(): Promise<void> {
    const entries = this.entries;
    await Promise.all(entries.map(async (entry) => {
      try {
        const list = await this.opts.resolve(entry);
        if (this.entries.includes(entry)) this.byEntry.set(entry, list);
      } catch (e) {
        this.opts.log.warn({ event: 'resolve-failed', what: this.opts.label, entry, err: (e as Error).message },
          `cannot resolve ${entry}; keeping its last addresses`);
      }
    }));
    if (this.stopped) return;
    const next = new Set<string>();
    for (const list of this.byEntry.values()) for (const a of list) next.add(a);
    const added = [...next].filter((a) => !this.current.has(a)).sort();
    const removed = [...this.current].filter((a) => !next.has(a)).sort();
    this.current = next;
    if (added.length === 0 && removed.length === 0) return;
    this.opts.log.info({ event: 'addresses-changed', what: this.opts.label, added, removed, now: this.addresses() },
      `${this.opts.label}: ${next.size} address(es)`);
    for (const l of this.listeners) {
      try {
        l({ added, removed });
      } catch (e) {
        this.opts.log.error({ event: 'address-listener-error', what: this.opts.label, err: (e as Error).message }, 'address listener failed');
      }
    }
  }
}
