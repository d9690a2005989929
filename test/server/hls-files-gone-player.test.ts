/**
 * A player that goes away while serveHlsFile is still looking its file up (realpath, open, stat) must not
 * leave the segment's file descriptor open: the response is already closed, so nothing would ever read
 * the file to its end or close it.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveHlsFile } from '../../images/rtmp-server/src/hls/files';

/** Open descriptors of this process that point at `file` (Linux /proc). */
function openFds(file: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

test('the client socket is gone before the file is open: its descriptor is closed, not left behind', async () => {
  const hlsDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hls-gone-')));
  fs.mkdirSync(path.join(hlsDir, 'live'));
  const segment = path.join(hlsDir, 'live', 'cam-1.ts');
  fs.writeFileSync(segment, Buffer.alloc(4 * 1024 * 1024, 0x47)); // more than one read's worth
  let served = 0;
  const server = http.createServer((req, res) => {
    req.socket.destroy(); // the player leaves at once; the lookup below is still asynchronous
    serveHlsFile(req, res, hlsDir);
    served++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as net.AddressInfo).port;
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => c.write('GET /live/cam-1.ts HTTP/1.1\r\nHost: x\r\n\r\n'));
        c.on('error', () => {});
        c.on('close', () => resolve());
      });
    }
    expect(served).toBe(5);
    // Bounded wait for the asynchronous lookups to finish and close what they opened.
    for (let t = 0; t < 40 && openFds(segment) > 0; t++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    expect(openFds(segment)).toBe(0);
  } finally {
    server.close();
  }
});
