/**
 * The hub as the API and /metrics see it, with HLS viewers added: each one is a client of kind `hls-play`
 * and a player of its stream. On an edge an HLS-only stream has no hub stream; it is listed from its viewers.
 */
import { createHash } from 'node:crypto';
import type { ClientSnapshot, HubView, StreamSnapshot } from '../hub/types';
import type { HlsViewers } from './viewers';

/** A stable stream id for a stream only HLS viewers know of (the same on every call). */
function hlsStreamId(app: string, stream: string): string {
  return `vid-${createHash('sha1').update(`${app}/${stream}`).digest('hex').slice(0, 8)}`;
}

export function withHlsViewers(hub: HubView, viewers: HlsViewers): HubView {
  const streams = (): StreamSnapshot[] => {
    const base = hub.streams();
    const byKey = new Map(base.map((s) => [`${s.app}/${s.name}`, s]));
    const counts = new Map<string, { app: string; stream: string; n: number; bytes: number }>();
    for (const v of viewers.list()) {
      const k = `${v.app}/${v.stream}`;
      const c = counts.get(k) ?? { app: v.app, stream: v.stream, n: 0, bytes: 0 };
      c.n++;
      c.bytes += v.sendBytes;
      counts.set(k, c);
    }
    const out = base.map((s) => {
      const c = counts.get(`${s.app}/${s.name}`);
      return c ? { ...s, players: s.players + c.n, sendBytes: s.sendBytes + c.bytes } : s;
    });
    for (const [k, c] of counts) {
      if (byKey.has(k)) continue;
      out.push({
        id: hlsStreamId(c.app, c.stream), app: c.app, name: c.stream, tcUrl: `rtmp://127.0.0.1/${c.app}`, liveMs: 0,
        players: c.n, publishing: false, publisherId: null, frames: 0, sendBytes: c.bytes, recvBytes: 0,
        kbpsRecv30s: 0, kbpsSend30s: 0, video: null, audio: null,
      });
    }
    return out;
  };

  const clients = (): ClientSnapshot[] => {
    const now = Date.now();
    const ids = new Map(hub.streams().map((s) => [`${s.app}/${s.name}`, s.id]));
    const out = hub.clients();
    for (const v of viewers.list(now)) {
      out.push({
        id: v.id, kind: 'hls-play', ip: v.ip, app: v.app, stream: v.stream,
        streamId: ids.get(`${v.app}/${v.stream}`) ?? hlsStreamId(v.app, v.stream),
        publish: false, aliveMs: now - v.startedAt, sendBytes: v.sendBytes, recvBytes: 0, droppedFrames: 0,
      });
    }
    return out;
  };

  // HLS viewers cannot be kicked: each request is independent, so there is no connection to close.
  return { streams, clients, totals: () => hub.totals(), kick: (id) => hub.kick(id) };
}
