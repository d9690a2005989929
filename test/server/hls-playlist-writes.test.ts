/**
 * How the HLS writer replaces its playlist (playlist-file.ts, playlist-memory.ts): rewritten in place (one file,
 * one inode) when this server is the only reader, which then serves it from memory; renamed over (a new inode per
 * version) with `hls.sharedDir`, for a sidecar reading the directory. Real files, real ffmpeg-made media, a real
 * http.Server on loopback.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveHlsFile } from '../../images/rtmp-server/src/hls/files';
import { createHlsSinkFactory, HlsSinkFactory } from '../../images/rtmp-server/src/hls/output';
import { PlaylistFile } from '../../images/rtmp-server/src/hls/playlist-file';
import { hlsPaths } from '../../images/rtmp-server/src/hls/paths';
import { livePlaylists } from '../../images/rtmp-server/src/hls/playlist-memory';
import { FlvTag, readFlvTags } from '../helpers/flv-file';
import { feed, hlsConfig, parsePlaylist, quietLog } from '../helpers/hls';
import { makeFlv } from '../helpers/media';
import { freePort } from '../helpers/ports';

let work: string;
let tags: FlvTag[];
const factories: HlsSinkFactory[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-playlist-writes-'));
  tags = readFlvTags(await makeFlv(path.join(work, 'src.flv'), 12));
});
afterAll(() => {
  factories.forEach((f) => f.close());
  fs.rmSync(work, { recursive: true, force: true });
});

function setup(name: string, sharedDir: boolean): { dir: string; factory: HlsSinkFactory } {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const factory = createHlsSinkFactory(hlsConfig(dir, { fragmentSeconds: 1, windowSeconds: 4, cleanupDelaySeconds: 0.2, sharedDir }), quietLog);
  factories.push(factory);
  return { dir, factory };
}

interface Version { ino: number; text: string; fd: number }
const fds: number[] = [];
afterEach(() => { fds.splice(0).forEach((fd) => fs.closeSync(fd)); });

/**
 * Feeds the stream in steps, noting the playlist's inode and text after each step, and keeping it open as a
 * reader would (a reader that opened a version while the next was written).
 */
async function versions(factory: HlsSinkFactory, m3u8: string): Promise<Version[]> {
  const sink = factory('live', 'livestream')!;
  const seen: Version[] = [];
  const step = Math.ceil(tags.length / 6);
  for (let i = 0; i < tags.length; i += step) {
    feed(sink, tags.slice(i, i + step));
    await factory.flush();
    if (!fs.existsSync(m3u8)) continue;
    const fd = fs.openSync(m3u8, 'r');
    fds.push(fd);
    seen.push({ ino: fs.fstatSync(fd).ino, text: fs.readFileSync(m3u8, 'utf8'), fd });
  }
  return seen;
}

test('without sharedDir the playlist is one file rewritten in place, and what is in memory is what is on disk', async () => {
  const { dir, factory } = setup('in-place', false);
  const m3u8 = path.join(dir, 'live', 'livestream.m3u8');
  const seen = await versions(factory, m3u8);
  expect(seen.length).toBeGreaterThanOrEqual(4);
  expect(new Set(seen.map((v) => v.ino)).size).toBe(1);
  expect(new Set(seen.map((v) => v.text)).size).toBe(seen.length); // each step added a segment
  for (const v of seen) expect(parsePlaylist(v.text).segments.length).toBeGreaterThan(0);
  const live = livePlaylists.get(path.resolve(dir), 'live/livestream.m3u8');
  expect(live?.playlist?.raw.toString()).toBe(seen[seen.length - 1].text);
  // No temporary playlist (the open segment may have its temporary file already: its first pieces are written).
  expect(fs.readdirSync(path.join(dir, 'live')).filter((f) => f.endsWith('.m3u8.tmp'))).toEqual([]);
});

test('with sharedDir every version is a new file renamed over the last, so a reader never sees one change', async () => {
  const { dir, factory } = setup('shared', true);
  const m3u8 = path.join(dir, 'live', 'livestream.m3u8');
  const seen = await versions(factory, m3u8);
  expect(seen.length).toBeGreaterThanOrEqual(4);
  expect(new Set(seen.map((v) => v.ino)).size).toBe(seen.length);
  // A reader holding an older version still reads that version whole.
  for (const v of seen) expect(fs.readFileSync(v.fd, 'utf8')).toBe(v.text);
  expect(livePlaylists.get(path.resolve(dir), 'live/livestream.m3u8')?.playlist?.raw.toString()).toBe(seen[seen.length - 1].text);
});

test('a shorter version leaves no bytes of the longer one behind', async () => {
  const dir = path.join(work, 'shorter');
  fs.mkdirSync(path.join(dir, 'live'), { recursive: true });
  const paths = hlsPaths(dir, 'live', 's')!;
  const file = new PlaylistFile(paths, false);
  fs.writeFileSync(paths.playlist, 'x'.repeat(5000)); // a longer file left there: the first write truncates it
  await file.write(Buffer.from('#EXTM3U\n#A-LONGER-LINE-THAN-NEXT\n'));
  await file.write(Buffer.from('#EXTM3U\n#SHORT\n'));
  expect(fs.readFileSync(paths.playlist, 'utf8')).toBe('#EXTM3U\n#SHORT\n');
  await file.close();
  await file.write(Buffer.from('#EXTM3U\n')); // opens again after close
  expect(fs.readFileSync(paths.playlist, 'utf8')).toBe('#EXTM3U\n');
  await file.close();
});

test('players get the playlist from memory: a damaged file on disk is never served; after cleanup it is 404', async () => {
  const { dir, factory } = setup('served', false);
  const sink = factory('live', 'livestream')!;
  feed(sink, tags);
  await factory.flush();
  const m3u8 = path.join(dir, 'live', 'livestream.m3u8');
  const good = fs.readFileSync(m3u8, 'utf8');
  fs.writeFileSync(m3u8, '#EXTM3U\n#TORN'); // what a reader could see mid-rewrite

  const port = await freePort();
  const server = http.createServer((req, res) => { if (!serveHlsFile(req, res, dir)) { res.writeHead(418); res.end(); } });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${port}/live/livestream.m3u8`);
    expect(res.status).toBe(200);
    const body = await res.text();
    // The viewer's hls_ctx is added to segment URLs; otherwise the text is what the writer wrote.
    expect(body.replace(/\?hls_ctx=[^\n]*/g, '')).toBe(good);
    expect(parsePlaylist(body).segments.length).toBeGreaterThan(0);

    sink.end();
    await new Promise((r) => setTimeout(r, 500)); // cleanupDelaySeconds 0.2
    await factory.flush();
    expect(fs.existsSync(m3u8)).toBe(false);
    expect((await fetch(`http://127.0.0.1:${port}/live/livestream.m3u8`)).status).toBe(404);
  } finally {
    server.close();
  }
});
