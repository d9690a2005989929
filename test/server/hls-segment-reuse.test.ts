/**
 * Expired segments' files taken over by the next segment (segment-file.ts, writer.ts): on by default, off when
 * another process reads the directory (hls.sharedDir) or on_hls hooks were told the names. Real files; a "reader"
 * holds each segment open as a sidecar or an uploader would.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHlsSinkFactory, HlsSinkFactory } from '../../images/rtmp-server/src/hls/output';
import { SegmentFile } from '../../images/rtmp-server/src/hls/segment-file';
import { FlvTag, readFlvTags } from '../helpers/flv-file';
import { feed, hlsConfig, parsePlaylist, quietLog } from '../helpers/hls';
import { makeFlv } from '../helpers/media';

let work: string;
let tags: FlvTag[];
const factories: HlsSinkFactory[] = [];
const fds: number[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-segment-reuse-'));
  tags = readFlvTags(await makeFlv(path.join(work, 'src.flv'), 14));
});
afterEach(() => { fds.splice(0).forEach((fd) => fs.closeSync(fd)); });
afterAll(() => {
  factories.forEach((f) => f.close());
  fs.rmSync(work, { recursive: true, force: true });
});

interface Held { name: string; fd: number; ino: number; bytes: Buffer }

/** Feeds the stream in steps; opens every segment once it appears and keeps it open, with its bytes then. */
async function run(name: string, over: { sharedDir?: boolean; namesOut?: boolean }): Promise<{ dir: string; held: Held[]; factory: HlsSinkFactory }> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const factory = createHlsSinkFactory(hlsConfig(dir, { fragmentSeconds: 1, windowSeconds: 3, sharedDir: over.sharedDir ?? false }), quietLog,
    undefined, () => over.namesOut ?? false);
  factories.push(factory);
  const sink = factory('live', 'livestream')!;
  const live = path.join(dir, 'live');
  const held: Held[] = [];
  const step = Math.ceil(tags.length / 28);
  for (let i = 0; i < tags.length; i += step) {
    feed(sink, tags.slice(i, i + step));
    await factory.flush();
    if (!fs.existsSync(live)) continue;
    for (const f of fs.readdirSync(live).filter((n) => /^livestream-\d+\.ts$/.test(n)).sort()) {
      if (held.some((h) => h.name === f)) continue;
      const fd = fs.openSync(path.join(live, f), 'r');
      fds.push(fd);
      held.push({ name: f, fd, ino: fs.fstatSync(fd).ino, bytes: fs.readFileSync(path.join(live, f)) });
    }
  }
  sink.end();
  await factory.flush();
  return { dir, held, factory };
}

const inodesNow = (dir: string): Map<number, string> =>
  new Map(fs.readdirSync(path.join(dir, 'live')).filter((n) => n.endsWith('.ts')).map((n) => [fs.statSync(path.join(dir, 'live', n)).ino, n]));

test('by default an expired segment\'s file becomes a later segment, whose bytes are exactly those of a fresh file', async () => {
  const reused = await run('reused', {});
  const fresh = await run('fresh', { sharedDir: true });
  expect(reused.held.length).toBeGreaterThanOrEqual(8);
  // Held open, an expired file could only share an inode with a later segment by being taken over.
  const later = inodesNow(reused.dir);
  const takenOver = reused.held.filter((h) => later.has(h.ino) && later.get(h.ino) !== h.name);
  expect(takenOver.length).toBeGreaterThan(0);
  // Segmenting is deterministic: both runs wrote the same segments; a reused file carries no old bytes.
  const pl = parsePlaylist(fs.readFileSync(path.join(reused.dir, 'live', 'livestream.m3u8'), 'utf8'));
  expect(pl.segments.length).toBeGreaterThanOrEqual(2);
  for (const s of pl.segments) {
    expect(fs.readFileSync(path.join(reused.dir, 'live', s.name)).equals(fs.readFileSync(path.join(fresh.dir, 'live', s.name)))).toBe(true);
  }
  // After the end, the spare file is gone too: the window plus the one retired segment, no temp files.
  const names = fs.readdirSync(path.join(reused.dir, 'live'));
  expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(names.filter((n) => n.endsWith('.ts')).length).toBeLessThanOrEqual(pl.segments.length + 1);
});

test.each<[string, { sharedDir?: boolean; namesOut?: boolean }]>([
  ['hls.sharedDir', { sharedDir: true }],
  ['on_hls hooks told the names', { namesOut: true }],
])('with %s a reader holding an expired segment keeps reading its bytes', async (_what, over) => {
  const { held, dir } = await run(`kept-${over.sharedDir ? 'shared' : 'hooks'}`, over);
  const onDisk = new Set(fs.readdirSync(path.join(dir, 'live')));
  const expired = held.filter((h) => !onDisk.has(h.name));
  expect(expired.length).toBeGreaterThanOrEqual(4);
  for (const h of expired) {
    const now = Buffer.alloc(h.bytes.length + 1);
    const n = fs.readSync(h.fd, now, 0, now.length, 0);
    expect(now.subarray(0, n).equals(h.bytes)).toBe(true);
  }
});

describe('a segment file taking over an expired one', () => {
  const ensureDir = async (): Promise<void> => undefined;
  const setUp = (name: string, oldBytes: number): { dir: string; old: string; final: string } => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const old = path.join(dir, 's-1.ts');
    fs.writeFileSync(old, Buffer.alloc(oldBytes, 0x11));
    return { dir, old, final: path.join(dir, 's-9.ts') };
  };

  test.each([
    ['longer than the new segment: cut to the new length', 3000, 1000],
    ['shorter than the new segment: overwritten and extended', 1000, 3000],
    ['as long as the new segment', 2000, 2000],
  ])('%s', async (_what, oldBytes, newBytes) => {
    const { dir, old, final } = setUp(`cut-${oldBytes}-${newBytes}`, oldBytes);
    const ino = fs.statSync(old).ino;
    const file = new SegmentFile(final, ensureDir, { file: old, bytes: oldBytes });
    const data = Buffer.alloc(newBytes, 0x47);
    await file.append(data.subarray(0, 700));
    await file.finish(data.subarray(700));
    expect(fs.readFileSync(final).equals(data)).toBe(true);
    expect(fs.statSync(final).ino).toBe(ino); // the old file, not a new one
    expect(fs.readdirSync(dir)).toEqual(['s-9.ts']);
  });

  test('an expired file that is gone makes a new one; an abort leaves neither name', async () => {
    const { dir, final, old } = setUp('gone', 100);
    fs.unlinkSync(old);
    const file = new SegmentFile(final, ensureDir, { file: old, bytes: 100 });
    await file.finish(Buffer.alloc(376, 0x47));
    expect(fs.statSync(final).size).toBe(376);
    const other = new SegmentFile(path.join(dir, 's-10.ts'), ensureDir, { file: final, bytes: 376 });
    await other.append(Buffer.alloc(188, 0x47));
    await other.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
