/**
 * Issue 14 item 5: a publisher whose timestamps jump back 10 s mid-stream (an encoder's clock reset). Players
 * attached before the jump must not see it: an RTMP player reports no non-monotonic DTS, an HTTP-FLV player's
 * clock keeps up with the wall clock, and the HLS playlist marks a discontinuity while its TARGETDURATION
 * never changes (RFC 8216 §6.2.1). The publisher is a raw RtmpClient sending an ffmpeg-made FLV in real time.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRtmpUrl, RtmpClient } from '../../images/rtmp-server/src/protocol/rtmp/client';
import { readFlvTags } from '../helpers/flv-file';
import { parsePlaylist } from '../helpers/hls';
import { makeFlv } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';

const JUMP_AT_MS = 8000;
const JUMP_BY_MS = 10_000;
const LENGTH_S = 18;
let server: RunningServer;
let work: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-jump-'));
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Publishes the file in real time; from JUMP_AT_MS on, its timestamps are JUMP_BY_MS lower. */
async function publishWithJump(stream: string): Promise<void> {
  const tags = readFlvTags(await makeFlv(path.join(work, 'in.flv'), LENGTH_S));
  const c = new RtmpClient({ ...parseRtmpUrl(server.rtmpUrl('live', stream)) });
  await c.start('publish');
  const t0 = Date.now();
  for (const t of tags) {
    const wait = t.timestamp - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const timestamp = t.timestamp >= JUMP_AT_MS && t.type !== 18 ? t.timestamp - JUMP_BY_MS + 20_000 : t.timestamp + 20_000;
    c.send({ type: t.type, timestamp, payload: t.payload });
  }
  c.close('done');
}

/** ffmpeg copying the RTMP stream into FLV (which checks DTS order); resolves with its stderr. */
function rtmpPlayer(url: string, seconds: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostats', '-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'flv', '-y', '/dev/null'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    const kill = setTimeout(() => p.kill('SIGKILL'), (seconds + 20) * 1000);
    p.on('close', () => { clearTimeout(kill); resolve(err); });
  });
}

/** Reads HTTP-FLV for `ms`: the video tags' timestamps with the wall time each arrived at. */
function flvPlayer(url: string, ms: number): Promise<{ ts: number; at: number }[]> {
  return new Promise((resolve, reject) => {
    const seen: { ts: number; at: number }[] = [];
    let buf = Buffer.alloc(0);
    let off = 13;
    const req = http.get(url, (res) => {
      res.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (off + 11 <= buf.length) {
          const size = buf.readUIntBE(off + 1, 3);
          if (off + 11 + size + 4 > buf.length) break;
          if (buf[off] === 9) seen.push({ ts: (buf.readUIntBE(off + 4, 3) | (buf[off + 7] << 24)) >>> 0, at: Date.now() });
          off += 11 + size + 4;
        }
      });
    });
    req.on('error', reject);
    setTimeout(() => { req.destroy(); resolve(seen); }, ms);
  });
}

test('a 10 s jump back inside one publish: RTMP and FLV players see monotonic time, HLS keeps TARGETDURATION', async () => {
  const stream = 'jumpback';
  const publishing = publishWithJump(stream);
  await new Promise((r) => setTimeout(r, 2500));
  const rtmp = rtmpPlayer(server.rtmpUrl('live', stream), LENGTH_S - 5);
  const flv = flvPlayer(server.httpUrl(`/live/${stream}.flv`), (LENGTH_S - 4) * 1000);
  const targets = new Set<number>();
  let last = '';
  let marked = false;
  const poll = setInterval(() => {
    http.get(server.httpUrl(`/live/${stream}.m3u8`), (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { if (res.statusCode === 200) {
        targets.add(parsePlaylist(body).targetDuration);
        last = body;
        marked ||= body.includes('#EXT-X-DISCONTINUITY');
      } });
    }).on('error', () => {});
  }, 300);
  let verdict: Record<string, unknown>;
  try {
    const [err, tags] = await Promise.all([rtmp, flv, publishing]);
    expect(tags.length).toBeGreaterThan(100);
    const mediaMs = tags[tags.length - 1].ts - tags[0].ts;
    const wallMs = tags[tags.length - 1].at - tags[0].at;
    verdict = {
      // RTMP: ffmpeg's muxer complains about every DTS that goes back.
      rtmpNonMonotonicDts: (err.match(/non[- ]monoton/gi) ?? []).length,
      // FLV: no step back beyond interleaving, and the stream's clock keeps up with the wall clock.
      flvStepsBack: tags.filter((t, i) => i > 0 && t.ts - tags[i - 1].ts < -1000).length,
      flvClockBehind: mediaMs < wallMs - 3000,
      // HLS: one TARGETDURATION for the playlist's life, the jump marked, no EXTINF above it.
      hlsTargetDurations: [...targets],
      hlsDiscontinuity: marked,
      hlsLongSegments: parsePlaylist(last).segments.filter((x) => Math.round(x.duration) > 2).length,
    };
  } finally {
    clearInterval(poll);
  }
  expect(verdict).toEqual({
    rtmpNonMonotonicDts: 0, flvStepsBack: 0, flvClockBehind: false,
    hlsTargetDurations: [2], hlsDiscontinuity: true, hlsLongSegments: 0,
  });
}, 90_000);
