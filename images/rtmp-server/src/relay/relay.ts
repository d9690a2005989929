/**
 * Relay mode: every stream published here is pushed to every address `relay.targets` resolves to (the
 * servers' headless Service), one RelayPush per stream and target. The target set is re-resolved every
 * `relay.resolveSeconds`: a new address gets a push of every live stream, a vanished one loses its pushes.
 * The relay is an origin otherwise (it serves its own players too).
 */
import type { Hub } from '../hub/hub';
import type { MediaSink } from '../hub/types';
import type { Logger } from '../log';
import type { AddressSet } from '../discovery/address-set';
import { PushSettings, RelayPush } from './relay-push';

/** The pushes of one publishing stream, by target address. */
type StreamPushes = Map<string, RelayPush>;

export class Relay {
  /** Live streams (one entry per publish, removed when it ends). */
  private readonly live = new Set<{ app: string; stream: string; pushes: StreamPushes }>();

  constructor(
    private readonly hub: Hub,
    private readonly targets: AddressSet,
    private readonly settings: () => PushSettings,
    private readonly log: Logger,
  ) {
    hub.addSinkFactory((app, stream) => this.started(app, stream));
    targets.onChange(({ added, removed }) => {
      for (const s of this.live) {
        for (const t of removed) { s.pushes.get(t)?.stop('target gone from relay.targets'); s.pushes.delete(t); }
        for (const t of added) this.push(s.app, s.stream, t, s.pushes);
      }
    });
  }

  private push(app: string, stream: string, target: string, pushes: StreamPushes): void {
    if (pushes.has(target)) return;
    const p = new RelayPush(this.hub, app, stream, target, this.settings, this.log);
    pushes.set(target, p);
    p.start();
  }

  /** A publish started: push it everywhere; the returned sink's end() is the publish's end. */
  private started(app: string, stream: string): MediaSink {
    const entry = { app, stream, pushes: new Map() as StreamPushes };
    this.live.add(entry);
    // Pushes connect asynchronously and attach once the target accepts, after the hub has set the publisher up.
    for (const t of this.targets.addresses()) this.push(app, stream, t, entry.pushes);
    return {
      onMessage: () => {},
      end: () => {
        this.live.delete(entry);
        // Not from inside the hub's unpublish: stopping a push detaches a player from the same stream.
        setImmediate(() => { for (const p of entry.pushes.values()) p.stop('publisher left'); });
      },
    };
  }

  /** Pushes that are up (for tests and logs). */
  livePushes(): number {
    let n = 0;
    for (const s of this.live) for (const p of s.pushes.values()) if (p.live) n++;
    return n;
  }

  close(): void {
    this.targets.stop();
    for (const s of this.live) for (const p of s.pushes.values()) p.stop('server shutting down');
    this.live.clear();
  }
}
