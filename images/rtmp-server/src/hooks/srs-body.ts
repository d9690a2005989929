/**
 * SRS's HTTP callback bodies (http_hooks): one JSON object per event with the fields SRS sends, so a backend
 * written for SRS reads ours unchanged. `param` is the client's query string with its `?` (SRS keeps it), where
 * stream keys and tokens travel.
 */
import { hostname } from 'node:os';
import type { HookEvent } from '../../../../lib/server-config';

/** Who a callback is about: a publisher or player session (or a stream, for on_hls / on_dvr). */
export interface HookClient {
  /** Our client id (SRS `client_id`). */
  readonly id: string;
  readonly ip: string;
  readonly app: string;
  /** Stream name without its query; empty for on_connect. */
  readonly stream: string;
  /** Query string without `?` (merged app + stream query); empty when none. */
  readonly query: string;
  /** tcUrl from RTMP connect, or the URL an HTTP player asked for. */
  readonly tcUrl: string;
  /** Hub stream id (SRS `stream_id`), when the stream exists. */
  readonly streamId?: string;
}

/** SRS's action names. */
export const SRS_ACTION: Record<HookEvent, string> = {
  onConnect: 'on_connect', onPublish: 'on_publish', onUnpublish: 'on_unpublish', onPlay: 'on_play',
  onStop: 'on_stop', onHls: 'on_hls', onDvr: 'on_dvr',
};

/** This process in `server_id`: stable for its life, distinct per pod. */
export const SERVER_ID = `${hostname()}-${process.pid}`;

/** The body SRS POSTs for `event`; `extra` adds the event's own fields (on_hls: file, url, duration, seq_no...). */
export function srsBody(event: HookEvent, c: HookClient, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    server_id: SERVER_ID,
    action: SRS_ACTION[event],
    client_id: c.id,
    ip: c.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''), // an IPv4 client on a dual-stack socket, as SRS shows it
    vhost: '__defaultVhost__',
    app: c.app,
    tcUrl: c.tcUrl,
    stream: c.stream,
    param: c.query ? `?${c.query}` : '',
    stream_url: c.stream ? `/${c.app}/${c.stream}` : `/${c.app}`,
    stream_id: c.streamId ?? '',
    ...extra,
  };
}

/** A backend's answer as SRS reads it: allowed, and for on_publish the forward URLs it named (dynamic forward). */
export interface HookAnswer {
  readonly allowed: boolean;
  /** Why it denied (for the log line). */
  readonly reason: string;
  /** `data.urls` of a `{"code":0,"data":{"urls":[...]}}` answer; strings only. */
  readonly urls: string[];
}

/** At most this many forward URLs are taken from one answer. */
const MAX_ANSWER_URLS = 16;

/**
 * SRS semantics: HTTP 200 with a body of `0`, or JSON `{"code":0,...}`, allows; any other status or body denies.
 */
export function parseAnswer(status: number, body: string): HookAnswer {
  const deny = (reason: string): HookAnswer => ({ allowed: false, reason, urls: [] });
  if (status !== 200) return deny(`HTTP ${status}`);
  const text = body.trim();
  if (text === '0') return { allowed: true, reason: '', urls: [] };
  let json: unknown;
  try { json = JSON.parse(text); } catch { return deny(`body is neither 0 nor JSON: ${JSON.stringify(text.slice(0, 60))}`); }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return deny('body is not a JSON object');
  const o = json as { code?: unknown; data?: { urls?: unknown } };
  if (o.code !== 0) return deny(`code ${JSON.stringify(o.code)?.slice(0, 40) ?? 'missing'}`);
  const raw = o.data && typeof o.data === 'object' && Array.isArray(o.data.urls) ? o.data.urls : [];
  const urls = raw.filter((u): u is string => typeof u === 'string' && u.length > 0 && u.length <= 2048).slice(0, MAX_ANSWER_URLS);
  return { allowed: true, reason: '', urls };
}

/** A segment as the HLS writer reports it (hls/writer WrittenSegment). */
export interface SegmentFacts {
  readonly file: string;
  readonly name: string;
  readonly playlist: string;
  readonly durationMs: number;
  readonly seq: number;
}

/** on_hls's own fields, as SRS names them: paths on disk, URLs relative to the HTTP root, duration in seconds. */
export function hlsFields(app: string, stream: string, s: SegmentFacts): Record<string, unknown> {
  return {
    duration: Math.round(s.durationMs) / 1000,
    cwd: process.cwd(),
    file: s.file,
    url: `${app}/${s.name}`,
    m3u8: s.playlist,
    m3u8_url: `${app}/${stream}.m3u8`,
    seq_no: s.seq,
  };
}
