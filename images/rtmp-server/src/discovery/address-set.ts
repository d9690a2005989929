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
  private readonly byEntry = new Map<string, string[]>();
  private current = new Set<string>();
  private readonly listeners: ((c: AddressChange) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: AddressSetOptions) {}

  /** Resolves once now, then every interval. Resolves when the first round is done. */
  start(): Promise<void> {
    const first = this.refresh();
    const ms = Math.max(0.1, this.opts.intervalSeconds) * 1000;
    this.timer = setInterval(() => void this.refresh(), ms);
    this.timer.unref();
    return first;
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
    await Promise.all(this.opts.entries.map(async (entry) => {
      try {
        this.byEntry.set(entry, await this.opts.resolve(entry));
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
