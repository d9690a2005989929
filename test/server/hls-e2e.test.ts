/**
 * HLS end to end on the real server bundle: ffmpeg publishes over RTMP, ffprobe/ffmpeg play the HLS the
 * server writes and serves on its HTTP port; files live only under the server's hlsDir and are removed after
 * the (short, configured) cleanup delay once the publisher stops.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, parsePlaylist, waitFor } from '../helpers/hls';
import { countFrames, probe, publish } from '../helpers/media';
import { startServer } from '../helpers/server-process';

test('publish → HLS on the HTTP port → files removed after the cleanup delay', async () => {
  const server = await startServer({
    configYaml: 'hls:\n  fragmentSeconds: 1\n  windowSeconds: 4\n  cleanupDelaySeconds: 2\n',
  });
  const pub = publish(server.rtmpUrl('live', 'livestream'), 30);
  try {
    const m3u8 = path.join(server.hlsDir, 'live', 'livestream.m3u8');
    // Three segments in the playlist: enough for a player to start at the live edge.
    const ready = await waitFor(() => fs.existsSync(m3u8) && parsePlaylist(fs.readFileSync(m3u8, 'utf8')).segments.length >= 3, 20000);
    expect({ ready, log: ready ? '' : server.output() + pub.stderr() }).toEqual({ ready: true, log: '' });

    const url = server.httpUrl('/live/livestream.m3u8');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const pl = parsePlaylist(await res.text());
    expect(pl.segments.reduce((a, s) => a + s.duration, 0)).toBeLessThanOrEqual(4);
    for (const s of pl.segments) expect(s.duration).toBeGreaterThan(0.5);

    const info = await probe(url);
    expect(info.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(info.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(await countFrames(url, 2)).toBeGreaterThan(0);

    // /metrics counts what the writer did: at least the segments the playlist already lists.
    const metrics = await (await fetch(server.apiUrl('/metrics'))).text();
    const counter = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(counter('rtmp_server_hls_segments_written_total')).toBeGreaterThanOrEqual(pl.segments.length);
    expect(counter('rtmp_server_hls_bytes_written_total')).toBeGreaterThan(0);
    expect(counter('rtmp_server_hls_write_errors_total')).toBe(0);

    // Everything the server wrote is under hlsDir: the work dir holds only the config and the hls/ tree.
    expect(fs.readdirSync(server.workDir).sort()).toEqual(['hls', 'rtmp-server.yaml']);
    // tmp: a playlist being replaced or the open segment's first pieces; .rtmp-server-hls: marks the directory as
    // the server's (startup sweep)
    const ours = /^live(\/livestream(-\d+\.ts|\.m3u8)|\/\.livestream(-\d+\.ts|\.m3u8)\.tmp|\/\.rtmp-server-hls)?$/;
    expect(listFiles(server.hlsDir).filter((f) => !ours.test(f))).toEqual([]);

    await pub.stop();
    // Stays for the cleanup delay (a publisher coming back would continue it), then goes.
    expect(fs.existsSync(m3u8)).toBe(true);
    const gone = await waitFor(() => listFiles(server.hlsDir).length === 0, 15000);
    expect({ gone, left: listFiles(server.hlsDir) }).toEqual({ gone: true, left: [] });
  } finally {
    await pub.stop();
    await server.stop();
    fs.rmSync(server.workDir, { recursive: true, force: true });
  }
});
