/**
 * The hub's fan-out on fake sockets (no network): players joining mid-window get each message exactly
 * once, starting with a keyframe; one write per player per window, the same Buffer for every player;
 * a player over its queue bound drops to the next keyframe and is closed after the bound.
 */
import pino from 'pino';
import { Hub } from '../../images/rtmp-server/src/hub/hub';
import type { PlayerSocket, PlaySettings } from '../../images/rtmp-server/src/hub/player';
import type { MediaMessage } from '../../images/rtmp-server/src/hub/types';

class FakeSocket implements PlayerSocket {
  writes: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  cork(): void {}
  uncork(): void {}
  write(b: Buffer): boolean { this.writes.push(b); return true; }
  /** FLV tags written after the header: [type, timestamp - T0 (configs sent before any frame: 0), keyframe]. */
  tags(skipHeader = true): [number, number, boolean][] {
    const all = Buffer.concat(this.writes);
    const out: [number, number, boolean][] = [];
    let off = skipHeader ? 13 : 0;
    while (off + 11 <= all.length) {
      const size = all.readUIntBE(off + 1, 3);
      const ts = (all.readUIntBE(off + 4, 3) | (all[off + 7] << 24)) >>> 0;
      out.push([all[off], ts >= T0 ? ts - T0 : ts, all[off] === 9 && all[off + 11] >> 4 === 1]);
      off += 11 + size + 4;
    }
    return out;
  }
}

/**
 * Frame timestamps start at T0, as a timeline relayed or pulled from another server does: the hub keeps those
 * as they are (an encoder's, starting near 0, it moves to the wall clock: hub/timeline.ts).
 */
const T0 = 10_000_000;
const video = (ts: number, key: boolean): MediaMessage => ({ type: 9, timestamp: T0 + ts, payload: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0xaa]) });
const audio = (ts: number): MediaMessage => ({ type: 8, timestamp: T0 + ts, payload: Buffer.from([0xaf, 1, 0xbb]) });
const config: MediaMessage = { type: 9, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]) };

function setup(play: Partial<PlaySettings> = {}) {
  const settings: PlaySettings = { gopCache: true, mergeWriteMs: 50, maxQueueBytes: 1 << 20, slowPlayerCloseSeconds: 10, ...play };
  const hub = new Hub({ play: settings, chunkSize: 60000 }, pino({ level: 'silent' }));
  const stream = hub.publish('live', 's', { id: 'pub', kind: 'rtmp-publish', ip: '', close: () => {}, recvBytes: () => 0 })!;
  const join = (id: string) => {
    const socket = new FakeSocket();
    const closed: string[] = [];
    hub.play('live', 's', { id, kind: 'flv-play', ip: '', format: 'flv', socket, close: (r) => closed.push(r) });
    return { socket, closed };
  };
  return { hub, stream, join };
}

afterEach(() => jest.useRealTimers());

test('joining mid-window: GOP at once, then each message exactly once, one write per window, shared buffers', () => {
  jest.useFakeTimers();
  const { hub, stream, join } = setup();
  stream.push(config);
  stream.push(video(0, true));
  stream.push(audio(10));
  const a = join('a'); // joins with the GOP (keyframe at 0, audio at 10)
  expect(a.socket.tags()).toEqual([[9, 0, true], [9, 0, true], [8, 10, false]]); // config, keyframe, audio
  stream.push(video(40, false));
  const b = join('b'); // GOP now includes ts 40
  stream.push(audio(50));
  stream.push(video(80, false));
  const aBefore = a.socket.writes.length;
  jest.advanceTimersByTime(50);
  expect(a.socket.writes.length).toBe(aBefore + 1); // one write for the whole window
  expect(a.socket.tags().map((t) => t[1])).toEqual([0, 0, 10, 40, 50, 80]);
  expect(b.socket.tags().map((t) => t[1])).toEqual([0, 0, 10, 40, 50, 80]);
  // Players that were live for the whole window get the very same Buffer.
  stream.push(video(120, false));
  jest.advanceTimersByTime(50);
  expect(a.socket.writes[a.socket.writes.length - 1]).toBe(b.socket.writes[b.socket.writes.length - 1]);
  hub.dispose();
});

test('a player over maxQueueBytes drops to the next keyframe (counted), and is closed after the bound', () => {
  jest.useFakeTimers();
  const { hub, stream, join } = setup({ maxQueueBytes: 65536, slowPlayerCloseSeconds: 1 });
  stream.push(config);
  stream.push(video(0, true));
  const slow = join('slow');
  const fast = join('fast');
  slow.socket.writableLength = 100_000; // the peer stopped reading
  for (let t = 40; t <= 200; t += 40) stream.push(video(t, false));
  jest.advanceTimersByTime(50);
  slow.socket.writableLength = 0; // caught up: resumes at the next keyframe only
  stream.push(video(240, false));
  stream.push(video(280, true));
  stream.push(audio(290));
  jest.advanceTimersByTime(50);
  expect(slow.socket.tags().map((t) => t[1])).toEqual([0, 0, 280, 290]);
  expect(fast.socket.tags().map((t) => t[1])).toEqual([0, 0, 40, 80, 120, 160, 200, 240, 280, 290]);
  expect(hub.clients().find((c) => c.id === 'slow')!.droppedFrames).toBe(6);

  slow.socket.writableLength = 100_000;
  for (let i = 0; i < 40; i++) { stream.push(video(300 + i * 40, false)); jest.advanceTimersByTime(50); }
  expect(slow.closed).toEqual(['slow player: dropping too long']);
  expect(fast.closed).toEqual([]);
  expect(hub.totals().slowPlayersClosed).toBe(1);
  hub.dispose();
});

test('a new publisher on a stream with players continues its timestamps (no jump back), from a keyframe', () => {
  jest.useFakeTimers();
  const { hub, stream, join } = setup();
  stream.push(config);
  stream.push(video(5000, true));
  const p = join('p');
  stream.push(video(5040, false));
  jest.advanceTimersByTime(50);
  hub.unpublish(stream, 'pub');
  const again = hub.publish('live', 's', { id: 'pub2', kind: 'edge-pull', ip: '', close: () => {}, recvBytes: () => 0 })!;
  expect(again).toBe(stream);
  again.push(video(0, false)); // not a resume point: skipped
  again.push(config);
  again.push(video(40, true));
  again.push(audio(50));
  jest.advanceTimersByTime(50);
  expect(p.socket.tags().map((t) => t[1])).toEqual([0, 5000, 5040, 5080, 5120, 5130]); // config, keyframe, audio of the new one
  hub.dispose();
});

test('mergeWriteMs 0: messages of one turn leave in one write; a second publisher is refused', async () => {
  const { hub, stream, join } = setup({ mergeWriteMs: 0 });
  stream.push(config);
  stream.push(video(0, true));
  const p = join('p');
  const before = p.socket.writes.length;
  stream.push(audio(10));
  stream.push(video(40, false));
  await new Promise((r) => setImmediate(r));
  expect(p.socket.writes.length).toBe(before + 1);
  expect(hub.publish('live', 's', { id: 'x', kind: 'rtmp-publish', ip: '', close: () => {}, recvBytes: () => 0 })).toBeNull();
  hub.dispose();
});
