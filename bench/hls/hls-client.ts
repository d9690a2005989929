// The HLS load client: N players in one process, each behaving as hls.js does on a live stream. A player polls
// the playlist every half target duration over its own keep-alive connection, starts at the newest segment (so a
// ramp of thousands does not start with a burst of three segments each), and fetches each new segment once, in order. It has kept up when every segment was fetched before
// it left the playlist. Driven over IPC by hls-run.ts: start → mark (window opens) → collect.
import * as http from 'node:http';

interface Start { cmd: 'start'; port: number; path: string; count: number; perSecond: number }
type Cmd = Start | { cmd: 'mark' } | { cmd: 'collect' } | { cmd: 'exit' };

interface Stats { fetched: number; missed: number; errors: number; bytes: number; playlists: number }
const zero = (): Stats => ({ fetched: 0, missed: 0, errors: 0, bytes: 0, playlists: 0 });

const players: Player[] = [];
/**
 * Every media sequence number any player asked for since start (to count origin requests per distinct segment):
 * counted when asked, not when fetched, since the server fetches upstream on the first ask and a download
 * still running at collect time would otherwise show as an extra origin request.
 */
const fetchedSeqs = new Set<number>();
const errorKinds = new Map<string, number>();
let stopped = false;
const send = (m: object) => process.send?.(m);

/**
 * GET into a byte count (the body is not kept); the text too when asked (playlists). A request on a reused
 * keep-alive connection that the server closed as idle at that moment is retried once, as browsers do.
 */
function get(agent: http.Agent, port: number, path: string, text: boolean, retry = true): Promise<{ status: number; bytes: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 15000 }, (res) => {
      let bytes = 0;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => { bytes += c.length; if (text) parts.push(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: text ? Buffer.concat(parts).toString() : '' }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (retry && req.reusedSocket && (e.code === 'ECONNRESET' || e.message === 'socket hang up')) {
        get(agent, port, path, text, false).then(resolve, reject);
      } else reject(e);
    });
  });
}

class Player {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  stats = zero();
  private next = -1; // next media sequence number to fetch
  private dir: string;

  constructor(private readonly port: number, private readonly playlist: string) {
    this.dir = playlist.slice(0, playlist.lastIndexOf('/') + 1);
  }

  async run(): Promise<void> {
    while (!stopped) {
      const t0 = Date.now();
      let td = 2;
      try {
        const pl = await get(this.agent, this.port, this.playlist, true);
        this.stats.playlists++;
        if (pl.status !== 200) throw new Error(`playlist ${pl.status}`);
        const lines = pl.body.split('\n').map((l) => l.trim());
        td = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(pl.body)?.[1] ?? 2);
        const first = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(pl.body)?.[1] ?? 0);
        const uris = lines.filter((l) => l && !l.startsWith('#'));
        if (this.next < 0) this.next = first + Math.max(0, uris.length - 1);
        if (this.next < first) { this.stats.missed += first - this.next; this.next = first; }
        for (let seq = this.next; seq < first + uris.length && !stopped; seq++) {
          fetchedSeqs.add(seq);
          const seg = await get(this.agent, this.port, this.dir + uris[seq - first], false);
          if (seg.status !== 200) throw new Error(`segment ${seg.status}`);
          this.stats.fetched++;
          this.stats.bytes += seg.bytes;
          this.next = seq + 1;
        }
      } catch (e) {
        this.stats.errors++;
        const k = (e as Error).message;
        if (errorKinds.size < 20 || errorKinds.has(k)) errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, (td * 1000) / 2 - (Date.now() - t0))));
    }
  }
}

process.on('message', async (m: Cmd) => {
  if (m.cmd === 'start') {
    // Started spread over time (and so spread over the polling interval), as viewers arrive.
    for (let i = 0; i < m.count; i++) {
      const p = new Player(m.port, m.path);
      players.push(p);
      void p.run();
      if (i % Math.max(1, Math.round(m.perSecond / 20)) === 0) await new Promise((r) => setTimeout(r, 50));
    }
    send({ event: 'started', players: players.length });
  } else if (m.cmd === 'mark') {
    for (const p of players) p.stats = zero();
    errorKinds.clear();
    send({ event: 'marked' });
  } else if (m.cmd === 'collect') {
    send({ event: 'collected', stats: players.map((p) => p.stats), distinctSegments: fetchedSeqs.size, errorKinds: Object.fromEntries(errorKinds) });
  } else if (m.cmd === 'exit') {
    stopped = true;
    for (const p of players) p.agent.destroy();
    process.exit(0);
  }
});
send({ event: 'ready' });
// Never outlive the bench: a bounded lifetime even if the parent disappears.
setTimeout(() => process.exit(0), Number(process.argv[2] ?? 900) * 1000).unref();
process.on('disconnect', () => process.exit(0));
