// Publishers with a chosen set of tracks (audio only, video only, both) for the tests that depend on them.
import { spawn } from 'node:child_process';
import type { Publisher } from './media';

export type TrackSet = 'audio' | 'video' | 'both';

const INPUTS: Record<TrackSet, string[]> = {
  audio: ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
  video: ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25'],
  both: ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
};
const VIDEO = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-b:v', '300k'];
const AUDIO = ['-c:a', 'aac', '-b:a', '64k', '-ar', '44100'];

/** Publishes `tracks` of the lavfi test signal in real time to `url` for `seconds` (ffmpeg stops by itself). */
export function publishTracks(url: string, tracks: TrackSet, seconds = 20): Publisher {
  const codecs = [...(tracks !== 'audio' ? VIDEO : []), ...(tracks !== 'video' ? AUDIO : [])];
  const proc = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', ...INPUTS[tracks], '-t', String(seconds), ...codecs, '-f', 'flv', url,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return {
    proc, exited, stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
