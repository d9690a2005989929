// The player page in a real browser (Debian's chromium, headless) against the real server on loopback,
// fed by an ffmpeg publisher: HLS and HTTP-FLV must actually play (the <video>'s currentTime advances),
// a stream that is not live must say so, and the live list must offer the published stream.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Publisher, publish } from '../helpers/media';
import { RunningServer, startServer } from '../helpers/server-process';
import { launchChromium, waitForView } from './chromium';

const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

let server: RunningServer;
let publisher: Publisher;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageLog: string[];

/** The server log tail, the page's console and the publisher's errors: what a failure needs to be read. */
const diagnostics = () => [
  `page console:\n${pageLog.slice(-20).join('\n')}`,
  `publisher stderr:\n${publisher?.stderr().slice(-1000)}`,
  `server output:\n${server?.output().slice(-3000)}`,
].join('\n');

function playerUrl(query: Record<string, string>): string {
  const q = new URLSearchParams({ ...query, api: String(server.apiPort), rtmp: String(server.rtmpPort) });
  return `${server.httpUrl('/')}?${q}`;
}

/** Waits until an HTTP URL answers 200 (bounded): the published stream has reached the server's outputs. */
async function waitForHttp200(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} still answers ${status} after ${timeoutMs} ms\n${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits for "playing", then for currentTime to advance by 2 s of media: frames are really being shown. */
async function expectPlaying(engine: RegExp): Promise<void> {
  const started = await waitForView(page, 'playing', (v) => v.state === 'playing', 45_000, diagnostics);
  expect(started.status).toMatch(engine);
  const advanced = await waitForView(page, 'currentTime advancing',
    (v) => v.currentTime > started.currentTime + 2, 30_000, diagnostics);
  expect(advanced.currentTime).toBeGreaterThan(started.currentTime + 2);
  expect(advanced.overlay).toBeNull();
  expect(pageLog.filter((l) => l.startsWith('pageerror'))).toEqual([]);
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  // Long enough for every test below; ffmpeg stops by itself, afterAll stops it sooner.
  publisher = publish(server.rtmpUrl('live', 'livestream'), 180);
  browser = await launchChromium();
  await waitForHttp200(server.httpUrl('/live/livestream.m3u8'), 30_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await publisher?.stop();
  await server?.stop();
});

beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1200, height: 720 } });
  page = await context.newPage();
  pageLog = [];
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
});

afterEach(async () => {
  await context?.close();
});

test('HLS plays through hls.js: the video advances', async () => {
  await page.goto(playerUrl({ app: 'live', stream: 'livestream', protocol: 'hls' }));
  await expectPlaying(/^Playing live\/livestream over HLS \(hls\.js\)/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'player-hls.png') });
  // The URLs shown are this server's.
  expect(await page.textContent('#url-hls')).toBe(server.httpUrl('/live/livestream.m3u8'));
  expect(await page.textContent('#url-rtmp')).toBe(server.rtmpUrl('live', 'livestream'));
});

test('HTTP-FLV plays through mpegts.js: the video advances', async () => {
  await page.goto(playerUrl({ app: 'live', stream: 'livestream', protocol: 'flv' }));
  await expectPlaying(/^Playing live\/livestream over HTTP-FLV \(mpegts\.js\)/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'player-flv.png') });
  expect(await page.textContent('#url-flv')).toBe(server.httpUrl('/live/livestream.flv'));
});

test.each(['hls', 'flv'])('a stream that is not live says so (%s), over the video instead of a spinner', async (protocol) => {
  await page.goto(playerUrl({ app: 'live', stream: 'not-published', protocol }));
  const v = await waitForView(page, 'offline', (x) => x.state === 'offline', 30_000, diagnostics);
  expect(v.status).toMatch(/^Stream live\/not-published is not live \(/);
  expect(v.overlay).toBe(v.status);
  expect(v.currentTime).toBe(0);
});

test('a page opened before the publisher starts plays once it does, without a reload', async () => {
  await page.goto(playerUrl({ app: 'live', stream: 'late', protocol: 'flv' }));
  await waitForView(page, 'offline', (v) => v.state === 'offline', 30_000, diagnostics);
  const late = publish(server.rtmpUrl('live', 'late'), 60);
  try {
    await expectPlaying(/^Playing live\/late over HTTP-FLV/);
  } finally {
    await late.stop();
  }
});

test('a stream that stops says so, and plays again when it is republished', async () => {
  const first = publish(server.rtmpUrl('live', 'restart'), 15);
  try {
    await page.goto(playerUrl({ app: 'live', stream: 'restart', protocol: 'flv' }));
    await expectPlaying(/^Playing live\/restart over HTTP-FLV/);
  } catch (e) {
    await first.stop();
    throw e;
  }
  await first.exited; // ffmpeg stops publishing by itself after 15 s
  const stopped = await waitForView(page, 'stopped', (v) => v.state === 'offline', 30_000, diagnostics);
  // "stopped" while the server holds the FLV connection; "is not live" if it closed it and the page reconnected.
  expect(stopped.status).toMatch(/^Stream live\/restart (stopped \(the server no longer lists it\)|is not live \()/);
  const second = publish(server.rtmpUrl('live', 'restart'), 60);
  try {
    await expectPlaying(/^Playing live\/restart over HTTP-FLV/);
  } finally {
    await second.stop();
  }
}, 240_000);

test('the live list shows the published stream and plays it on click', async () => {
  await page.goto(playerUrl({ app: 'live', stream: 'not-published', protocol: 'flv' }));
  const item = page.locator('#live-list button[data-name="live/livestream"]');
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  await item.click();
  await expectPlaying(/^Playing live\/livestream over HTTP-FLV/);
  expect(new URL(page.url()).searchParams.get('stream')).toBe('livestream');
  expect(await item.getAttribute('aria-current')).toBe('true');
});
