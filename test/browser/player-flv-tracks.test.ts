// The player page over HTTP-FLV (mpegts.js in Debian's chromium) on audio-only, video-only and audio+video
// streams: each must reach "playing" with the <video>'s clock advancing. An audio-only stream whose FLV header
// announced video too stayed on "Connecting" for good.
import type { Browser, Page } from 'playwright-core';
import { publishTracks, TrackSet } from '../helpers/publish-tracks';
import { RunningServer, startServer } from '../helpers/server-process';
import { launchChromium, waitForView } from './chromium';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test.each(['audio', 'video', 'both'] as TrackSet[])('tracks %s: the page plays the stream over HTTP-FLV', async (tracks) => {
  const name = `page-${tracks}`;
  const pub = publishTracks(server.rtmpUrl('live', name), tracks, 60);
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  const diagnostics = () => `page console:\n${log.slice(-15).join('\n')}\npublisher:\n${pub.stderr().slice(-500)}`;
  try {
    const q = new URLSearchParams({ app: 'live', stream: name, protocol: 'flv', api: String(server.apiPort), rtmp: String(server.rtmpPort) });
    await page.goto(`${server.httpUrl('/')}?${q}`);
    const started = await waitForView(page, 'playing', (v) => v.state === 'playing', 30_000, diagnostics);
    expect(started.status).toMatch(new RegExp(`^Playing live/${name} over HTTP-FLV`));
    const later = await waitForView(page, 'currentTime advancing', (v) => v.currentTime > started.currentTime + 2, 30_000, diagnostics);
    expect(later.overlay).toBeNull();
  } finally {
    await context.close();
    await pub.stop();
  }
}, 90_000);
