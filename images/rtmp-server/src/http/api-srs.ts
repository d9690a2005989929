// SRS-compatible views of the hub (/api/v1/versions, /streams, /clients), shaped like SRS 5 so scripts
// written against SRS keep working. Where we differ from SRS it is said next to the field.
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { ClientKind, ClientSnapshot, HubView, StreamSnapshot } from '../hub/types';
import { VERSION } from '../log';

/** SRS error codes used by the API. */
export const SRS_CODE = { OK: 0, STREAM_NOT_FOUND: 2048, CLIENT_NOT_FOUND: 2049 } as const;

/** The ids every reply carries: `server` stable per host name (SRS keeps its id across restarts), `service` per process. */
export const SRS_IDS = {
  server: `vid-${createHash('sha1').update(os.hostname()).digest('hex').slice(0, 7)}`,
  service: randomBytes(4).toString('hex'),
  pid: String(process.pid),
  /** The single vhost (SRS `__defaultVhost__`) has an id like any SRS vhost. */
  vhost: `vid-${randomBytes(4).toString('hex').slice(0, 7)}`,
};

/** `{code, server, service, pid, ...rest}`: the envelope of every SRS reply. */
export function srsReply(code: number, rest: Record<string, unknown> = {}): Record<string, unknown> {
  return { code, server: SRS_IDS.server, service: SRS_IDS.service, pid: SRS_IDS.pid, ...rest };
}

export function versions(): Record<string, unknown> {
  const [major, minor, revision] = VERSION.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  return srsReply(SRS_CODE.OK, { data: { major, minor, revision, version: VERSION } });
}

/** SRS `type` names; kinds SRS has no name for (edge/relay links) keep ours. */
const CLIENT_TYPE: Record<ClientKind, string> = {
  'rtmp-publish': 'fmle-publish',
  'rtmp-play': 'rtmp-play',
  'flv-play': 'flv-play',
  'hls-play': 'hls-play',
  'edge-pull': 'edge-pull',
  'edge-forward': 'edge-forward',
  'relay-push': 'relay-push',
  forward: 'forward',
};

/** `?start&count` as SRS reads them: start ≥ 0, count defaults to and is clamped to at least 10. */
export function page(query: URLSearchParams): { start: number; count: number } {
  const start = Math.max(0, toInt(query.get('start'), 0));
  const count = Math.max(10, toInt(query.get('count'), 10));
  return { start, count };
}

function toInt(v: string | null, fallback: number): number {
  const n = v === null ? NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : fallback;
}

/**
 * One stream as SRS dumps it. `clients` follows SRS and counts the publisher too (players + 1 while
 * publishing); `players` (not in SRS) is the player count alone. `live_ms` is, as in SRS, the time of the
 * reply in epoch ms, not the stream's age.
 */
export function streamJson(s: StreamSnapshot): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    vhost: SRS_IDS.vhost,
    app: s.app,
    tcUrl: s.tcUrl,
    url: `/${s.app}/${s.name}`,
    live_ms: Date.now(),
    clients: s.players + (s.publishing ? 1 : 0),
    players: s.players,
    frames: s.frames,
    send_bytes: s.sendBytes,
    recv_bytes: s.recvBytes,
    kbps: { recv_30s: s.kbpsRecv30s, send_30s: s.kbpsSend30s },
    publish: s.publishing && s.publisherId ? { active: true, cid: s.publisherId } : { active: s.publishing },
    video: s.video ? { ...s.video } : null,
    audio: s.audio ? { ...s.audio } : null,
  };
}

/**
 * One client as SRS dumps it. `kbps` is the client's average over its life (SRS: the last 30 s), since
 * the hub keeps byte counts per client, not a rate.
 */
export function clientJson(c: ClientSnapshot, stream: StreamSnapshot | undefined): Record<string, unknown> {
  const secs = Math.max(c.aliveMs / 1000, 0.001);
  return {
    id: c.id,
    vhost: SRS_IDS.vhost,
    stream: c.streamId,
    ip: c.ip,
    pageUrl: '',
    swfUrl: '',
    tcUrl: stream?.tcUrl ?? '',
    url: `/${c.app}/${c.stream}`,
    name: c.stream,
    type: CLIENT_TYPE[c.kind] ?? c.kind,
    publish: c.publish,
    alive: c.aliveMs / 1000,
    send_bytes: c.sendBytes,
    recv_bytes: c.recvBytes,
    kbps: { recv_30s: Math.round((c.recvBytes * 8) / 1000 / secs), send_30s: Math.round((c.sendBytes * 8) / 1000 / secs) },
  };
}

export function streamsReply(hub: HubView, query: URLSearchParams): Record<string, unknown> {
  const { start, count } = page(query);
  return srsReply(SRS_CODE.OK, { streams: hub.streams().slice(start, start + count).map(streamJson) });
}

export function streamReply(hub: HubView, id: string): Record<string, unknown> | null {
  const s = hub.streams().find((x) => x.id === id);
  return s ? srsReply(SRS_CODE.OK, { stream: streamJson(s) }) : null;
}

export function clientsReply(hub: HubView, query: URLSearchParams): Record<string, unknown> {
  const { start, count } = page(query);
  const streams = new Map(hub.streams().map((s) => [s.id, s]));
  const clients = hub.clients().slice(start, start + count);
  return srsReply(SRS_CODE.OK, { clients: clients.map((c) => clientJson(c, streams.get(c.streamId))) });
}

export function clientReply(hub: HubView, id: string): Record<string, unknown> | null {
  const c = hub.clients().find((x) => x.id === id);
  if (!c) return null;
  return srsReply(SRS_CODE.OK, { client: clientJson(c, hub.streams().find((s) => s.id === c.streamId)) });
}
