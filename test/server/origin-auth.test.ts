/**
 * Publish and play authentication on the real bundle: shared secret, signed URLs (valid, expired, forged)
 * and the play key over RTMP and HTTP-FLV. Refused sessions are closed with a log line.
 */
import { signPublish } from '../../images/rtmp-server/src/auth';
import { countFrames, publish } from '../helpers/media';
import { eventually, events, waitForEvent } from '../helpers/server-logs';
import { RunningServer, startServer } from '../helpers/server-process';

let server: RunningServer;
const SECRET = 's3cr3t';
const KEY = 'k3y';

beforeAll(async () => {
  server = await startServer({ configYaml: `auth:\n  publishSecret: ${SECRET}\n  playKey: ${KEY}\nhls:\n  enabled: false\n` });
});
afterAll(async () => { await server?.stop(); });

async function refusedPublish(url: string): Promise<string> {
  const p = publish(url, 5);
  expect(await p.exited).not.toBe(0);
  return p.stderr();
}

test('publishing without, or with a wrong, secret or signature is refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  await refusedPublish(server.rtmpUrl('live', 'a'));
  await refusedPublish(server.rtmpUrl('live', 'a?secret=wrong'));
  await refusedPublish(server.rtmpUrl('live', `a?expires=${now - 10}&sign=${signPublish(SECRET, 'live', 'a', now - 10)}`));
  await refusedPublish(server.rtmpUrl('live', `a?expires=${now + 600}&sign=${signPublish('other', 'live', 'a', now + 600)}`));
  await refusedPublish(server.rtmpUrl('live', `a?expires=${now + 600}&sign=${signPublish(SECRET, 'live', 'b', now + 600)}`));
  expect(await eventually(() => events(server, 'reject', { stream: 'a' }).length === 5)).toBe(true);
  expect(events(server, 'reject', { stream: 'a' }).map((l) => l.reason)).toEqual([
    'publish secret required', 'bad publish secret', 'signed URL expired', 'bad signature', 'bad signature',
  ]);
  expect(events(server, 'publish')).toEqual([]);
});

test('a signed URL publishes; players need the key over RTMP and HTTP-FLV', async () => {
  const expires = Math.floor(Date.now() / 1000) + 600;
  const pub = publish(server.rtmpUrl('live', `signed?expires=${expires}&sign=${signPublish(SECRET, 'live', 'signed', expires)}`), 30);
  try {
    await waitForEvent(server, 'publish', { stream: 'signed' });
    expect(await countFrames(server.rtmpUrl('live', `signed?key=${KEY}`), 1)).toBeGreaterThan(5);
    expect(await countFrames(server.httpUrl(`/live/signed.flv?key=${KEY}`), 1)).toBeGreaterThan(5);
    expect((await fetch(server.httpUrl('/live/signed.flv'))).status).toBe(403);
    expect((await fetch(server.httpUrl('/live/signed.flv?key=nope'))).status).toBe(403);
    await expect(countFrames(server.rtmpUrl('live', 'signed?key=nope'), 1, 5)).rejects.toThrow();
    expect(await eventually(() => events(server, 'reject', { stream: 'signed' }).length === 3)).toBe(true);
  } finally {
    await pub.stop();
  }
});

test('the shared secret publishes too', async () => {
  const pub = publish(server.rtmpUrl('live', `plain?secret=${SECRET}`), 10);
  try {
    await waitForEvent(server, 'publish', { stream: 'plain' });
  } finally {
    await pub.stop();
  }
});
