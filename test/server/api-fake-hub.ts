// A HubView with fixed content, for API tests that check shapes and hostile input without media.
import type { ClientSnapshot, HubTotals, HubView, StreamSnapshot } from '../../images/rtmp-server/src/hub/types';

export function fakeStream(i: number, players: number, publishing = true): StreamSnapshot {
  return {
    id: `s${i}`, app: 'live', name: `cam${i}`, tcUrl: 'rtmp://127.0.0.1/live', liveMs: 1000, players, publishing,
    publisherId: publishing ? `p${i}` : null, frames: 250, sendBytes: 1000 * i, recvBytes: 2000 * i,
    kbpsRecv30s: 500, kbpsSend30s: 500 * players,
    video: { codec: 'H264', profile: 'High', level: '3.0', width: 640, height: 360 },
    audio: { codec: 'AAC', sample_rate: 44100, channel: 2, profile: 'LC' },
  };
}

export function fakeClient(id: string, kind: ClientSnapshot['kind'], streamId: string): ClientSnapshot {
  return {
    id, kind, ip: '127.0.0.1', app: 'live', stream: `cam${streamId.slice(1)}`, streamId, publish: kind === 'rtmp-publish',
    aliveMs: 2000, sendBytes: 1000, recvBytes: 500, droppedFrames: 0,
  };
}

export class FakeHub implements HubView {
  totalsValue: HubTotals = {
    bytesIn: 1000, bytesOut: 5000, connectionsAccepted: 7, connectionsRejected: 1, upstreamPullsActive: 2,
    upstreamPullsStarted: 3, droppedFrames: 4, slowPlayersClosed: 1,
  };
  kicked: string[] = [];
  constructor(public streamList: StreamSnapshot[], public clientList: ClientSnapshot[]) {}
  streams() { return this.streamList; }
  clients() { return this.clientList; }
  totals() { return this.totalsValue; }
  kick(id: string) {
    const found = this.clientList.some((c) => c.id === id);
    if (found) this.kicked.push(id);
    return found;
  }
}
