/**
 * Forward destination templates: `rtmp[s]://host[:port]/app/stream[?query]` with `[app]`, `[stream]` and `[param]`
 * (the publisher's query string, without `?`) replaced for one published stream.
 */
import { forwardUrlProblem } from '../../../../lib/server-config';
import type { PushDestination } from '../relay/relay-push';

export interface StreamRef {
  readonly app: string;
  readonly stream: string;
  /** The publisher's query string without `?` ('' when none). */
  readonly param: string;
}

/** Fills the placeholders of `template` for `s`. */
export function fillTemplate(template: string, s: StreamRef): string {
  return template.replace(/\[app\]/g, s.app).replace(/\[stream\]/g, s.stream).replace(/\[param\]/g, s.param);
}

/** A template (or a URL from an onPublish answer) for one stream → where to push, or an Error saying why not. */
export function resolveDestination(template: string, s: StreamRef): PushDestination | Error {
  const problem = forwardUrlProblem(template);
  if (problem) return new Error(`destination ${problem}`);
  const u = new URL(fillTemplate(template, s));
  const tls = u.protocol === 'rtmps:';
  const [app, stream] = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : tls ? 443 : 1935,
    app, stream, query: u.search.slice(1), tls,
  };
}

/** A destination for logs and the API: scheme, host, port and app; never the stream name or query (stream keys). */
export function describeDestination(d: PushDestination): string {
  return `${d.tls ? 'rtmps' : 'rtmp'}://${d.host}:${d.port}/${d.app}/…`;
}

/** Same place, same name: a destination listed twice (config and answer) is pushed once. */
export function destinationKey(d: PushDestination): string {
  return `${d.tls}|${d.host}|${d.port}|${d.app}|${d.stream}|${d.query}`;
}
