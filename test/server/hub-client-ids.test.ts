/**
 * Client ids key the hub's player and publisher indexes (stopPlay, unpublish, kick), so ids handed out
 * while clients are live must never repeat. 200,000 random 4-byte ids would hold a repeat with ~99 %
 * probability; the hub's ids must hold none, and keep their 8-hex-digit form.
 */
import pino from 'pino';
import { Hub } from '../../images/rtmp-server/src/hub/hub';

test('200,000 client ids in a row: all distinct, each 8 hex digits', () => {
  const hub = new Hub({ play: { gopCache: true, mergeWriteMs: 50, maxQueueBytes: 1 << 20, slowPlayerCloseSeconds: 10 }, chunkSize: 60000 },
    pino({ level: 'silent' }));
  try {
    const ids = Array.from({ length: 200_000 }, () => hub.newClientId());
    expect(ids.filter((id) => !/^[0-9a-f]{8}$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  } finally {
    hub.dispose();
  }
});
