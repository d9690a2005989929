/**
 * Forwarding (SRS `forward`, nginx-rtmp `push`): every stream published here is pushed to each
 * `forward.destinations` template, plus the URLs the onPublish hook answered for that stream (SRS dynamic
 * forward). Each destination is a RelayPush (src/relay/relay-push): it attaches to the hub as a player, so a
 * destination that stalls only fills and drops its own bounded queue, and one that refuses is retried with
 * backoff; neither reaches the publisher or the other destinations.
 */
import type { Hub } from '../hub/hub';
import type { Logger } from '../log';
import { PushSettings, RelayPush } from '../relay/relay-push';
import { describeDestination, destinationKey, resolveDestination, StreamRef } from './destination';

/** The forwards of one publish; `stop()` when the publish ends. */
export interface ForwardHandle {
  stop(reason: string): void;
}

export class Forwarder {
  private readonly live = new Set<RelayPush>();

  constructor(
    private readonly hub: Hub,
    /** The configured templates (read per publish: a reload applies to the next publishes). */
    private readonly templates: () => string[],
    private readonly settings: () => PushSettings,
    private readonly log: Logger,
  ) {}

  /** Starts the forwards of a publish the hub has just accepted; `extra` are the onPublish answer's URLs. */
  start(s: StreamRef, extra: string[] = []): ForwardHandle {
    const pushes: RelayPush[] = [];
    const seen = new Set<string>();
    const sources: [string, string][] = [
      ...this.templates().map((t, i) => [t, `forward.destinations[${i}]`] as [string, string]),
      ...extra.map((t, i) => [t, `on_publish data.urls[${i}]`] as [string, string]),
    ];
    for (const [template, origin] of sources) {
      const d = resolveDestination(template, s);
      if (d instanceof Error) {
        this.log.warn({ event: 'forward-refused', app: s.app, stream: s.stream, from: origin, err: d.message }, `forward skipped: ${d.message}`);
        continue;
      }
      const key = destinationKey(d);
      if (seen.has(key)) continue;
      seen.add(key);
      const p = new RelayPush(this.hub, s.app, s.stream, describeDestination(d), this.settings, this.log, d);
      pushes.push(p);
      this.live.add(p);
      p.start();
    }
    return {
      stop: (reason) => {
        for (const p of pushes) { p.stop(reason); this.live.delete(p); }
      },
    };
  }

  /** Forwards that are up now. */
  livePushes(): number {
    let n = 0;
    for (const p of this.live) if (p.live) n++;
    return n;
  }

  close(): void {
    for (const p of this.live) p.stop('server shutting down');
    this.live.clear();
  }
}
