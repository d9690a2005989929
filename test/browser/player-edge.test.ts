// The player page served by a companion edge (as EdgeCluster's edge LoadBalancer serves it on 8080) plays HLS
// through that edge in a real browser: hls.js fetches the playlist and segments from the edge, which fetches them
// from the origin once into its cache. The page's own hls_ctx makes it one HLS viewer on the edge.
import type { Browser, Page } from 'playwright-core';
import { publish, Publisher } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { launchChromium, waitForView } from './chromium';

let origin: RunningServer;
let edge: RunningServer;
let publisher: Publisher;
let browser: Browser;
let page: Page;
const pageLog: string[] = [];

const diagnostics = () => [
  `page console:\n${pageLog.slice(-20).join('\n')}`,
  `edge output:\n${edge?.output().slice(-2000)}`,
].join('\n');
const hlsViewers = async () => Number(/^rtmp_server_players\{protocol="hls"\} (\S+)$/m
  .exec(await (await fetch(edge.apiUrl('/metrics'))).text())?.[1]);

beforeAll(async () => {
  origin = await startServer();
  edge = await startServer({ args: ['--mode', 'edge', '--origin', `127.0.0.1:${origin.rtmpPort}`, '--origin-http', `127.0.0.1:${origin.httpPort}`] });
  publisher = publish(origin.rtmpUrl('live', 'livestream'), 120);
  browser = await launchChromium();
  const deadline = Date.now() + 30_000;
  // Asked at the origin, marked as a server's fetch: this readiness check is nobody's viewer.
  const ready = () => fetch(origin.httpUrl('/live/livestream.m3u8'), { headers: { 'x-rtmp-server-proxied': '1' } }).then((r) => r.status, () => 0);
  while ((await ready()) !== 200) {
    if (Date.now() > deadline) throw new Error(`no playlist through the edge\n${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await publisher?.stop();
  for (const s of [edge, origin]) await s?.stop();
});

test('the edge serves the player page, and it plays HLS through the edge (hls.js); the page is one HLS viewer there', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 720 } });
  page = await context.newPage();
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
  try {
    const q = new URLSearchParams({ app: 'live', stream: 'livestream', protocol: 'hls', api: String(origin.apiPort) });
    await page.goto(`${edge.httpUrl('/')}?${q}`);
    const started = await waitForView(page, 'playing', (v) => v.state === 'playing', 45_000, diagnostics);
    expect(started.status).toMatch(/^Playing live\/livestream over HLS \(hls\.js\)/);
    const advanced = await waitForView(page, 'currentTime advancing', (v) => v.currentTime > started.currentTime + 2, 30_000, diagnostics);
    expect(advanced.currentTime).toBeGreaterThan(started.currentTime + 2);
    expect(await page.textContent('#url-hls')).toBe(edge.httpUrl('/live/livestream.m3u8'));
    // One page, one viewer: exactly one HLS client on the edge is fetching (a reconnect inside the page hands out a
    // new id, and the old one lingers, idle, for two target durations before it expires).
    expect(await hlsViewers()).toBeGreaterThanOrEqual(1);
    const sent = async () => new Map(((await (await fetch(edge.apiUrl('/api/v1/clients?count=100'))).json()).clients as
      { id: string; type: string; send_bytes: number }[]).filter((c) => c.type === 'hls-play').map((c) => [c.id, c.send_bytes]));
    const before = await sent();
    await new Promise((r) => setTimeout(r, 4000));
    const after = await sent();
    expect([...after].filter(([id, bytes]) => bytes > (before.get(id) ?? 0))).toHaveLength(1);
    expect(pageLog.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  } finally {
    await context.close();
  }
});
