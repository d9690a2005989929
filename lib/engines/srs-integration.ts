/**
 * The `hooks` and `forward` props as srs.conf directives: an `http_hooks` block (SRS names the same events, with the
 * same bodies and allow rule) and `forward destination host:port` (SRS forwards a stream under its own app/stream).
 * `timeoutMs`, `failOpen`, `retries` and `backoffMs` have no SRS directive: SRS uses its own fixed behaviour.
 */
import { HOOK_EVENTS } from '../server-config';
import type { PlatformIntegration } from './integration';
import { block, leaf, SrsDirective } from './srs-conf';

const OWNER = 'SrsEngine';

/** Our event names → SRS directive names. */
const SRS_HOOK: Record<(typeof HOOK_EVENTS)[number], string> = {
  onConnect: 'on_connect', onPublish: 'on_publish', onUnpublish: 'on_unpublish', onPlay: 'on_play',
  onStop: 'on_stop', onHls: 'on_hls', onDvr: 'on_dvr',
};

/**
 * `forward.destinations` as SRS destinations. SRS forwards to `host:port` under the same app and stream (a backend
 * hook can do more), so only templates of exactly that shape can be rendered; anything else fails synth.
 */
export function srsForwardDestinations(integration: PlatformIntegration | undefined): string[] {
  return (integration?.forward.destinations ?? []).map((t, i) => {
    const m = /^rtmp:\/\/([^/?#]+)\/\[app\]\/\[stream\]$/.exec(t);
    if (!m) {
      throw new Error(`${OWNER} cannot render 'forward.destinations[${i}]': SRS forwards only to rtmp://host[:port]/[app]/[stream] ` +
        '(same app and stream, no rtmps, no query); use the companion engine, or a hook backend returning data.urls');
    }
    return m[1].includes(':') ? m[1] : `${m[1]}:1935`;
  });
}

/** The vhost directives for hooks and forwarding (the relay renders its forward block itself, with its targets). */
export function srsIntegration(integration: PlatformIntegration, relay: boolean): SrsDirective[] {
  const out: SrsDirective[] = [];
  const hooks = HOOK_EVENTS.filter((e) => integration.hooks[e].length > 0)
    .map((e) => leaf(SRS_HOOK[e], ...integration.hooks[e]));
  if (hooks.length > 0) out.push(block('http_hooks', [], [leaf('enabled', 'on'), ...hooks]));
  const destinations = srsForwardDestinations(integration);
  if (!relay && destinations.length > 0) out.push(block('forward', [], [leaf('enabled', 'on'), leaf('destination', ...destinations)]));
  return out;
}
