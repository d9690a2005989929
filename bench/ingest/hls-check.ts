// HLS checks of the ingest bench, read straight from the server's HLS directory (the same way for both
// servers): does each stream's playlist advance on time through the window, and do its segments read
// with ffprobe (a few sampled streams).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface PlaylistState {
  /** EXT-X-MEDIA-SEQUENCE + number of segments: the sequence number after the newest segment. */
  readonly end: number;
  readonly segments: string[];
  readonly mtimeMs: number;
}

export function readPlaylist(file: string): PlaylistState | null {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
  const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN);
  const segments = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!Number.isFinite(seq)) return null;
  return { end: seq + segments.length, segments, mtimeMs };
}

export interface HlsVerdict {
  /** New segments over the window. */
  readonly added: number;
  readonly onTime: boolean;
}

/**
 * On time: the playlist gained at least (window ÷ fragment − 1) segments over the window and was rewritten
 * within the last 2 fragments + 1 s, and its newest segment file is there.
 */
export function verdict(before: PlaylistState | null, after: PlaylistState | null, dir: string, windowSec: number,
  fragmentSec: number, now: number): HlsVerdict {
  if (!after) return { added: 0, onTime: false };
  const added = before ? after.end - before.end : after.segments.length;
  const fresh = now - after.mtimeMs <= (2 * fragmentSec + 1) * 1000;
  const newest = after.segments[after.segments.length - 1];
  const present = newest !== undefined && fs.existsSync(path.join(dir, newest));
  return { added, onTime: added >= Math.floor(windowSec / fragmentSec) - 1 && fresh && present };
}

export interface ProbeResult {
  readonly stream: string;
  readonly segment: string;
  readonly ok: boolean;
  /** "h264+aac 2.00 s", or the error. */
  readonly detail: string;
}

/** ffprobe on the newest complete segment of a stream's playlist. */
export async function probeNewest(stream: string, playlist: string): Promise<ProbeResult> {
  const pl = readPlaylist(playlist);
  const seg = pl?.segments[pl.segments.length - 1];
  if (!seg) return { stream, segment: '', ok: false, detail: 'no playlist or no segment' };
  const file = path.join(path.dirname(playlist), seg);
  try {
    const { stdout } = await execFileP('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration',
      '-of', 'json', file], { timeout: 20000 });
    const j = JSON.parse(stdout) as { streams?: { codec_name: string }[]; format?: { duration?: string } };
    const codecs = (j.streams ?? []).map((s) => s.codec_name).sort().join('+');
    const dur = Number(j.format?.duration ?? 0);
    return { stream, segment: seg, ok: codecs.includes('h264') && dur > 0, detail: `${codecs} ${dur.toFixed(2)} s` };
  } catch (e) {
    return { stream, segment: seg, ok: false, detail: (e as Error).message.split('\n')[0].slice(0, 160) };
  }
}

/** Every file under `root` (relative paths), for the check that nothing lands outside the HLS directory. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out;
}
