// Recording on the real server with real clients: a 12 s publish leaves a file in dvr.dir that ffprobe reads as
// H.264 + AAC lasting at least 10 s, as FLV and as MP4 (ffmpeg -c copy remux); hostile names and a symlink
// planted inside dvr.dir write nothing outside it; /metrics counts the files; SRS on_dvr names each finished file.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { RawRtmp } from '../helpers/rtmp-raw';
import { HookBackend, hooksYaml } from './hooks-backend';
import { RunningServer, startServer } from '../helpers/server-process';
import { publishLoop } from './cluster-support';

jest.setTimeout(120_000);
const execFileP = promisify(execFile);

interface Probed { streams: { codec_type: string; codec_name: string }[]; format: { format_name: string; duration: string } }

async function probeFile(file: string): Promise<Probed> {
  const { stdout } = await execFileP('ffprobe', ['-hide_banner', '-loglevel', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as Probed;
}

/** Every file below `dir` (relative paths), links included, not followed. */
function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}

async function waitFor<T>(what: string, fn: () => T | null, server: RunningServer, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${timeoutMs} ms\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const dvrConfig = (dir: string, format: string) => `dvr:\n  enabled: true\n  dir: ${dir}\n  format: ${format}`;

describe('recording (dvr)', () => {
  let flvServer: RunningServer;
  let mp4Server: RunningServer;
  let flvDir: string;
  let mp4Dir: string;
  let outside: string;
  let backend: HookBackend;

  beforeAll(async () => {
    backend = await new HookBackend().start();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dvr-e2e-'));
    flvDir = path.join(work, 'flv-recordings');
    mp4Dir = path.join(work, 'mp4-recordings');
    outside = path.join(work, 'outside');
    fs.mkdirSync(outside);
    // A link planted inside dvr.dir that points elsewhere: recording app "linked" must not follow it.
    fs.mkdirSync(flvDir);
    fs.symlinkSync(outside, path.join(flvDir, 'linked'));
    [flvServer, mp4Server] = await Promise.all([
      startServer({ configYaml: `${dvrConfig(flvDir, 'flv')}\n${hooksYaml(backend, { onDvr: '/dvr' })}` }),
      startServer({ configYaml: dvrConfig(mp4Dir, 'mp4') }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([flvServer?.stop(), mp4Server?.stop(), backend?.stop()]);
  });

  test('a 12 s publish is recorded as FLV and as MP4 (H.264 + AAC, at least 10 s); hostile names write nothing', async () => {
    const pubs = await Promise.all([
      publishLoop(flvServer.rtmpUrl('live', 'cam'), 12),
      publishLoop(mp4Server.rtmpUrl('live', 'cam'), 12),
      publishLoop(flvServer.rtmpUrl('linked', 'cam'), 4),
    ]);
    // Meanwhile, hostile names over raw RTMP: refused before any file is made.
    for (const name of ['../../outside/x', '..', 'a/b', '../linked/../../x', 'strêam']) {
      const c = await RawRtmp.open(flvServer.rtmpPort);
      await c.connect('live');
      c.sendCommand('createStream', 2, null);
      c.sendCommand('publish', 3, null, name, 'live');
      expect(await c.closedWithin(3000)).toBe(true);
    }
    await Promise.all(pubs.map((p) => new Promise<void>((resolve) => {
      if (!p.running()) resolve(); else p.proc.once('exit', () => resolve());
    })));

    const flv = await waitFor('finished FLV', () => listTree(flvDir).find((f) => /^live\/cam\/\d+\.flv$/.test(f)) ?? null, flvServer);
    const mp4 = await waitFor('finished MP4', () => listTree(mp4Dir).find((f) => /^live\/cam\/\d+\.mp4$/.test(f)) ?? null, mp4Server);

    for (const [file, format] of [[path.join(flvDir, flv), 'flv'], [path.join(mp4Dir, mp4), 'mp4']]) {
      const r = await probeFile(file);
      expect({ format, codecs: r.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort() })
        .toEqual({ format, codecs: ['audio:aac', 'video:h264'] });
      expect(r.format.format_name).toContain(format === 'flv' ? 'flv' : 'mp4');
      expect(Number(r.format.duration)).toBeGreaterThanOrEqual(10);
      expect(Number(r.format.duration)).toBeLessThan(14);
    }
    // Only the finished files: no temporary FLV next to the MP4, nothing for the hostile names, nothing outside.
    expect(listTree(mp4Dir)).toEqual([mp4]);
    expect(listTree(flvDir)).toEqual(['linked', flv]);
    expect(fs.readdirSync(outside)).toEqual([]); // not even a directory was made through the link

    const metrics = await (await fetch(flvServer.apiUrl('/metrics'))).text();
    expect(metrics).toMatch(/^rtmp_server_dvr_files_written_total 1$/m);
    expect(metrics).toMatch(/^rtmp_server_dvr_write_errors_total [1-9]/m); // the "linked" recording, refused
    expect(metrics).toMatch(/^rtmp_server_dvr_recordings_active 0$/m);
    expect(flvServer.output()).toMatch(/"event":"dvr-write-error".*is a symbolic link or not a directory/);
    // on_dvr: one call per finished file, SRS's body (cwd + file), naming the publish that made it.
    const dvrCalls = await waitFor('on_dvr', () => (backend.callsTo('/dvr').length > 0 ? backend.callsTo('/dvr') : null), flvServer);
    expect(dvrCalls).toHaveLength(1);
    expect(dvrCalls[0].body).toMatchObject({ action: 'on_dvr', app: 'live', stream: 'cam', file: path.join(flvDir, flv) });
    expect(typeof dvrCalls[0].body.cwd).toBe('string');
    expect(dvrCalls[0].body.client_id).not.toBe('');
    const mp4Metrics = await (await fetch(mp4Server.apiUrl('/metrics'))).text();
    expect(mp4Metrics).toMatch(/^rtmp_server_dvr_files_written_total 1$/m);
    expect(mp4Metrics).toMatch(/^rtmp_server_dvr_remux_failures_total 0$/m);
  });
});
