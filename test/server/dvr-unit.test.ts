// The DVR pieces without a server: path templates and their checks, the recorder's rolling at keyframes and
// onFileClosed, symlink escapes, and dvr.keepHours retention on a real directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { checkServerConfig, DEFAULT_SERVER_CONFIG, DvrConfig, resolveServerConfig } from '../../lib/server-config';
import { DvrFileInfo, createDvrSinkFactory } from '../../images/rtmp-server/src/dvr/dvr-output';
import { dvrPaths, prepareDirectory, renderTemplate } from '../../images/rtmp-server/src/dvr/dvr-paths';
import { numbered, placeFile } from '../../images/rtmp-server/src/dvr/place-file';
import { deleteOldRecordings } from '../../images/rtmp-server/src/dvr/retention';
import { readFlvTags } from '../helpers/flv-file';
import { makeFlv } from '../helpers/media';

jest.setTimeout(60_000);
const log = pino({ level: 'silent' });
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const T = '[app]/[stream]/[timestamp].flv';

describe('dvr paths', () => {
  test('the template fills SRS placeholders (UTC) and takes the format extension', () => {
    const start = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    expect(renderTemplate('[app]/[stream]/[2006]-[01]-[02]T[15]:[04]:[05].[999]-[timestamp].flv', 'live', 'cam', start))
      .toBe(`live/cam/2026-01-02T03:04:05.006-${start}.flv`);
    expect(dvrPaths('/rec', T, 'flv', 'live', 'cam', 42)).toEqual({ root: '/rec', file: '/rec/live/cam/42.flv', temp: '/rec/live/cam/42.flv.tmp' });
    expect(dvrPaths('/rec', T, 'mp4', 'live', 'cam', 42)?.file).toBe('/rec/live/cam/42.mp4');
  });

  test('hostile names give no path at all', () => {
    for (const [app, stream] of [['live', '..'], ['live', '../x'], ['..', 'cam'], ['live', 'a/b'], ['live', ''], ['live', 'x\\..\\y'], ['live', 'strêam'], ['/etc', 'cam']]) {
      expect({ app, stream, paths: dvrPaths('/rec', T, 'flv', app, stream, 1) }).toEqual({ app, stream, paths: null });
    }
    // Templates that would leave the root (refused by the config check too) give none either.
    for (const t of ['../[stream]/[timestamp].flv', '/abs/[timestamp].flv', '[app]/../../[timestamp].flv']) {
      expect(dvrPaths('/rec', t, 'flv', 'live', 'cam', 1)).toBeNull();
    }
  });

  test('a symlink inside dvr.dir that leads outside is refused before anything is written', async () => {
    const root = tmp('dvr-link-');
    const outside = tmp('dvr-outside-');
    fs.symlinkSync(outside, path.join(root, 'live'));
    await expect(prepareDirectory(dvrPaths(root, T, 'flv', 'live', 'cam', 1)!)).rejects.toThrow(/is a symbolic link or not a directory/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  test('the config check names bad templates and TLS listeners without a certificate', () => {
    const check = (dvr: Partial<DvrConfig>, extra = {}) => checkServerConfig(resolveServerConfig({ dvr: { enabled: true, ...dvr }, ...extra }));
    expect(check({})).toEqual([]);
    expect(check({ pathTemplate: '../[timestamp].flv' })[0]).toMatch(/^dvr.pathTemplate .* must be a relative path/);
    expect(check({ pathTemplate: '[app]/[name]/[timestamp].flv' })[0]).toMatch(/unknown placeholder/);
    expect(check({ pathTemplate: '[app]/[stream].flv' })[0]).toMatch(/must contain \[timestamp\]/);
    expect(check({}, { https: { enabled: true } })).toEqual([
      'tls.certFile is empty: https.enabled needs a PEM file', 'tls.keyFile is empty: https.enabled needs a PEM file',
    ]);
    expect(check({}, { rtmps: { enabled: true, port: 1935 }, tls: { certFile: 'c', keyFile: 'k' } }))
      .toEqual(['rtmp.port and rtmps.port are both 1935: each listener needs its own port']);
  });
});

describe('dvr recorder', () => {
  let fixture: string;
  beforeAll(async () => { fixture = await makeFlv(path.join(tmp('dvr-fixture-'), 'nine.flv'), 9); });
  /** A recording factory into a fresh directory, its onFileClosed reports, and the sink of live/cam. */
  const recorder = (prefix: string, dvr: Partial<DvrConfig> = {}) => {
    const dir = tmp(prefix);
    const closed: DvrFileInfo[] = [];
    const factory = createDvrSinkFactory({ ...DEFAULT_SERVER_CONFIG.dvr, enabled: true, dir, ...dvr }, log, { onFileClosed: (i) => closed.push(i) });
    return { dir, closed, factory, sink: factory('live', 'cam')! };
  };
  /** Feeds the fixture with the clock stopped at 1800000000000 ms (file names render `[timestamp]` from it). */
  const feedAtOneInstant = (sink: { onMessage: (m: { type: 8 | 9 | 18; timestamp: number; payload: Buffer }) => void }) => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    try {
      for (const t of readFlvTags(fixture)) sink.onMessage({ type: t.type, timestamp: t.timestamp, payload: t.payload });
    } finally {
      now.mockRestore();
    }
  };

  test('segmentSeconds rolls files at keyframes; each file is whole and reported through onFileClosed', async () => {
    const { dir, closed, factory, sink } = recorder('dvr-roll-', { segmentSeconds: 3 });
    for (const t of readFlvTags(fixture)) sink.onMessage({ type: t.type, timestamp: t.timestamp, payload: t.payload });
    sink.end();
    await factory.flush();

    expect(closed.map((c) => [c.app, c.stream, c.format, path.dirname(path.relative(dir, c.file))]))
      .toEqual([0, 1, 2].map(() => ['live', 'cam', 'flv', 'live/cam']));
    expect(closed.map((c) => Math.round(c.durationSeconds))).toEqual([3, 3, 3]);
    for (const c of closed) {
      const tags = readFlvTags(c.file);
      expect(fs.statSync(c.file).size).toBe(c.bytes);
      expect(tags[0].type).toBe(18); // metadata first, then the sequence headers, all at 0
      const media = tags.filter((t) => t.type === 9 && !(t.payload[0] === 0x17 && t.payload[1] === 0));
      expect(media[0].payload[0] >> 4).toBe(1); // the first picture is a keyframe
      expect(Math.min(...tags.map((t) => t.timestamp))).toBe(0);
    }
    expect(fs.readdirSync(path.join(dir, 'live/cam')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(factory.stats).toMatchObject({ filesWritten: 3, recordingsActive: 0, writeErrors: 0, droppedFrames: 0 });
    factory.close();
  });

  test('recordings started in the same millisecond get -1, -2 and never overwrite each other', async () => {
    const { dir, closed, factory, sink } = recorder('dvr-same-path-', { segmentSeconds: 3 });
    feedAtOneInstant(sink); // every file starts in the same millisecond
    sink.end();
    await factory.flush();

    expect(closed.map((c) => path.basename(c.file)).sort()).toEqual(['1800000000000-1.flv', '1800000000000-2.flv', '1800000000000.flv']);
    for (const c of closed) {
      expect(fs.statSync(c.file).size).toBe(c.bytes);
      expect(readFlvTags(c.file)[0].type).toBe(18);
    }
    expect(factory.stats).toMatchObject({ filesWritten: 3, writeErrors: 0 });
    factory.close();
  });

  test('a recording finished earlier at the same path (an earlier run) is never replaced: the new one is numbered', async () => {
    const { dir, closed, factory, sink } = recorder('dvr-earlier-');
    const earlier = path.join(dir, 'live/cam/1800000000000.flv');
    fs.mkdirSync(path.dirname(earlier), { recursive: true });
    fs.writeFileSync(earlier, 'an earlier run');
    fs.writeFileSync(numbered(earlier, 1), 'and another');
    feedAtOneInstant(sink);
    sink.end();
    await factory.flush();

    expect(closed.map((c) => path.basename(c.file))).toEqual(['1800000000000-2.flv']);
    expect(fs.readFileSync(earlier, 'utf8')).toBe('an earlier run');
    expect(fs.readFileSync(numbered(earlier, 1), 'utf8')).toBe('and another');
    expect(fs.statSync(closed[0].file).size).toBe(closed[0].bytes);
    expect(fs.readdirSync(path.dirname(earlier)).sort()).toEqual(['1800000000000-1.flv', '1800000000000-2.flv', '1800000000000.flv']);
    factory.close();
  });

  test('placeFile: no-clobber by hard link, and by check-then-rename on a volume without hard links', async () => {
    const dir = tmp('dvr-place-');
    const put = (name: string, text: string) => { fs.writeFileSync(path.join(dir, name), text); return path.join(dir, name); };
    put('a.flv', 'old');
    expect(await placeFile(put('x.tmp', 'new'), path.join(dir, 'a.flv'))).toBe(path.join(dir, 'a-1.flv'));
    expect(fs.readFileSync(path.join(dir, 'a.flv'), 'utf8')).toBe('old');
    expect(fs.existsSync(path.join(dir, 'x.tmp'))).toBe(false);
    const noLinks = jest.spyOn(fs.promises, 'link').mockRejectedValue(Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' }));
    try {
      expect(await placeFile(put('y.tmp', 'newer'), path.join(dir, 'a.flv'))).toBe(path.join(dir, 'a-2.flv'));
      expect(await placeFile(put('z.tmp', 'free'), path.join(dir, 'b.flv'))).toBe(path.join(dir, 'b.flv'));
    } finally {
      noLinks.mockRestore();
    }
    expect(['a.flv', 'a-1.flv', 'a-2.flv', 'b.flv'].map((n) => fs.readFileSync(path.join(dir, n), 'utf8'))).toEqual(['old', 'new', 'newer', 'free']);
    expect(fs.readdirSync(dir).sort()).toEqual(['a-1.flv', 'a-2.flv', 'a.flv', 'b.flv']);
    // Any other failure is the caller's (reported as a write error), not a silent rename.
    await expect(placeFile(path.join(dir, 'missing.tmp'), path.join(dir, 'c.flv'))).rejects.toThrow(/ENOENT/);
  });

  test('a disabled factory or an unsafe name records nothing', () => {
    const dir = tmp('dvr-none-');
    const factory = createDvrSinkFactory({ ...DEFAULT_SERVER_CONFIG.dvr, enabled: true, dir }, log);
    expect(factory('live', '../x')).toBeNull();
    expect(factory.stats.refusedNames).toBe(1);
    expect(createDvrSinkFactory({ ...DEFAULT_SERVER_CONFIG.dvr, dir }, log)('live', 'cam')).toBeNull();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('dvr retention', () => {
  test('deletes recordings older than keepHours, keeps new ones and anything that is not a recording', async () => {
    const dir = tmp('dvr-keep-');
    const outside = tmp('dvr-keep-outside-');
    const now = Date.now();
    const file = (rel: string, ageHours: number): string => {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, 'x');
      const t = new Date(now - ageHours * 3600 * 1000);
      fs.utimesSync(p, t, t);
      return p;
    };
    file('live/old/1.flv', 30);
    file('live/old/2.mp4', 25);
    file('live/mixed/3.flv', 30);
    file('live/mixed/4.flv', 1);
    file('live/mixed/5.flv.tmp', 48); // left by a crash
    file('live/notes.txt', 100);
    fs.writeFileSync(path.join(outside, '9.flv'), 'x');
    fs.utimesSync(path.join(outside, '9.flv'), new Date(0), new Date(0));
    fs.symlinkSync(outside, path.join(dir, 'link'));

    expect(await deleteOldRecordings(dir, 24, now)).toBe(4);
    // (readdirSync's recursive listing itself goes through the link: drop what it found there)
    const left = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => !f.startsWith('link/')).sort();
    expect(left).toEqual(['link', 'live', 'live/mixed', 'live/mixed/4.flv', 'live/notes.txt']);
    expect(fs.readdirSync(outside)).toEqual(['9.flv']); // links are not followed
    expect(await deleteOldRecordings(dir, 0, now)).toBe(0); // 0 keeps for ever
  });
});
