/**
 * Pooled media slabs (protocol/rtmp/slab-pool.ts) on the real server: a publisher's frames are slices of slabs that
 * go back to the pool once the GOP cache and the merge window let go of them. The server runs with
 * RTMP_SERVER_POISON_SLABS=1 (test/setup-env.ts), so a slab freed too early is filled with 0xEE: every frame a
 * player (RTMP from the start, RTMP and HTTP-FLV joining from the GOP cache), the HLS segments and the DVR file get
 * must be byte for byte one the publisher sent, and no file carries a run of the poison byte. Without a GOP cache
 * the merge window is a frame's only holder for players, and a stream nobody plays (`bare`) has none: HLS frames held
 * at a segment boundary and DVR must then make their own copies.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRtmpUrl, RtmpClient } from '../../images/rtmp-server/src/protocol/rtmp/client';
import { readFlvTags } from '../helpers/flv-file';
import { makeFlv } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { metric } from './api-players';

jest.setTimeout(90_000);

const SECONDS = 10;
const POISON_RUN = Buffer.alloc(32, 0xee);
const hash = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'slab-e2e-')); });
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Got { video: number; bad: number; firstVideoKey: boolean | null }

function tally(sent: Set<string>): { got: Got; add: (type: number, payload: Buffer) => void } {
  const got: Got = { video: 0, bad: 0, firstVideoKey: null };
  return {
    got,
    add: (type, payload) => {
      if (type !== 8 && type !== 9) return;
      if (!sent.has(hash(payload))) got.bad++;
      if (type === 9) {
        got.video++;
        if (got.firstVideoKey === null && payload[1] === 1) got.firstVideoKey = payload[0] >> 4 === 1;
      }
    },
  };
}

async function rtmpPlayer(server: RunningServer, stream: string, sent: Set<string>): Promise<{ got: Got; stop: () => void }> {
  const t = tally(sent);
  const c = new RtmpClient({ ...parseRtmpUrl(server.rtmpUrl('live', stream)) });
  c.onMessage = (m) => t.add(m.type, m.payload);
  await c.start('play');
  return { got: t.got, stop: () => c.close('done') };
}

function flvPlayer(server: RunningServer, stream: string, sent: Set<string>): { got: Got; stop: () => void } {
  const t = tally(sent);
  let buf = Buffer.alloc(0);
  let off = 13;
  const req = http.get(server.httpUrl(`/live/${stream}.flv`), (res) => {
    res.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (off + 11 <= buf.length) {
        const size = buf.readUIntBE(off + 1, 3);
        if (off + 11 + size + 4 > buf.length) break;
        t.add(buf[off] & 0x1f, buf.subarray(off + 11, off + 11 + size));
        off += 11 + size + 4;
      }
    });
  });
  req.on('error', () => { /* ended by stop() */ });
  return { got: t.got, stop: () => req.destroy() };
}

/** The slab gauge (NaN if missing, which fails every check below). */
async function slabBytes(server: RunningServer): Promise<number> {
  return metric(await (await fetch(server.apiUrl('/metrics'))).text(), 'rtmp_server_media_slab_bytes');
}

function files(dir: string, ext: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(ext)).map((f) => path.join(dir, f));
}

describe.each([true, false])('GOP cache %s', (gopCache) => {
  let server: RunningServer;
  let dvrDir: string;
  beforeAll(async () => {
    dvrDir = path.join(work, `dvr-${gopCache}`);
    server = await startServer({ configYaml: `play:\n  gopCache: ${gopCache}\ndvr:\n  enabled: true\n  dir: ${dvrDir}\n  format: flv\n` });
  });
  afterAll(async () => { await server?.stop(); });

  test('every frame players, HLS and DVR get is one the publisher sent, with slabs recycled under them', async () => {
    const tags = readFlvTags(await makeFlv(path.join(work, `in-${gopCache}.flv`), SECONDS));
    const sent = new Set(tags.filter((t) => t.type !== 18).map((t) => hash(t.payload)));
    const sentVideo = tags.filter((t) => t.type === 9).length;

    const early = await rtmpPlayer(server, 'cam', sent);
    const pubs = await Promise.all(['cam', 'bare'].map(async (name) => {
      const c = new RtmpClient({ ...parseRtmpUrl(server.rtmpUrl('live', name)) });
      await c.start('publish');
      return c;
    }));
    const t0 = Date.now();
    const late: { got: Got; stop: () => void }[] = [];
    const joins = [3000, 5500, 7500];
    for (const t of tags) {
      const wait = t.timestamp - (Date.now() - t0);
      if (wait > 0) await sleep(wait);
      // Late players join mid-stream: from the GOP cache (slab-backed entries) when there is one.
      if (joins.length && Date.now() - t0 >= joins[0]) {
        joins.shift();
        late.push(late.length % 2 === 0 ? await rtmpPlayer(server, 'cam', sent) : flvPlayer(server, 'cam', sent));
      }
      for (const p of pubs) p.send({ type: t.type, timestamp: t.timestamp, payload: t.payload });
    }
    await sleep(1500); // the last merge window reaches the players
    const heldLive = await slabBytes(server);
    for (const p of pubs) p.close('done');
    await sleep(500);
    for (const p of [early, ...late]) p.stop();
    // Every slab comes back once publishers and players are gone (none is left to the GC by a missed drop).
    let heldAfter = -1;
    for (let i = 0; i < 40 && heldAfter !== 0; i++) {
      await sleep(250);
      heldAfter = await slabBytes(server);
    }
    expect(heldLive).toBeGreaterThan(0);
    expect(heldAfter).toBe(0);

    expect(late).toHaveLength(3);
    expect(early.got.bad).toBe(0);
    expect(early.got.video).toBeGreaterThanOrEqual(sentVideo - 2);
    for (const p of late) {
      expect(p.got).toMatchObject({ bad: 0, firstVideoKey: true });
      expect(p.got.video).toBeGreaterThan(25);
    }

    // HLS: the segments are muxed from the same payloads (frames held at a segment boundary included).
    for (const name of ['cam', 'bare']) {
      const segments = files(path.join(server.hlsDir, 'live'), '.ts').filter((f) => path.basename(f).startsWith(`${name}-`));
      expect({ name, segments: segments.length >= 3 }).toEqual({ name, segments: true });
      for (const f of segments) expect({ f, poisoned: fs.readFileSync(f).includes(POISON_RUN) }).toEqual({ f, poisoned: false });
    }

    // DVR: the finished recordings hold the publisher's payloads, byte for byte.
    const deadline = Date.now() + 15_000;
    while (files(dvrDir, '.flv').length < 2 && Date.now() < deadline) await sleep(250);
    const recordings = files(dvrDir, '.flv');
    expect(recordings).toHaveLength(2);
    for (const recording of recordings) {
      const recorded = tally(sent);
      for (const t of readFlvTags(recording)) recorded.add(t.type, t.payload);
      expect({ recording, ...recorded.got }).toMatchObject({ recording, bad: 0 });
      expect(recorded.got.video).toBeGreaterThanOrEqual(sentVideo - 2);
    }
  });
});
