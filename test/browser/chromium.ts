// Debian's chromium driven by playwright-core: never a downloaded browser, no background traffic.
import { Browser, chromium, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-quic', '--disable-sync',
    ],
    timeout: 30_000,
  });
}

/** What the player page shows right now. */
export interface PlayerView {
  readonly state: string;
  readonly status: string;
  readonly overlay: string | null;
  readonly currentTime: number;
  readonly url: string;
}

export function playerView(page: Page): Promise<PlayerView> {
  return page.evaluate(() => {
    const status = document.getElementById('status')!;
    const overlay = document.getElementById('overlay')!;
    return {
      state: status.dataset.state ?? '',
      status: status.textContent ?? '',
      overlay: overlay.hidden ? null : overlay.textContent,
      currentTime: document.querySelector('video')!.currentTime,
      url: location.href,
    };
  });
}

/**
 * Polls the page until `done(view)` holds, for at most `timeoutMs`; the error names what was awaited and
 * what the page showed last, plus `context()` (e.g. the server's log tail).
 */
export async function waitForView(
  page: Page, what: string, done: (v: PlayerView) => boolean, timeoutMs: number, context: () => string = () => '',
): Promise<PlayerView> {
  const deadline = Date.now() + timeoutMs;
  let last = await playerView(page);
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(`page did not reach "${what}" within ${timeoutMs} ms; last view: ${JSON.stringify(last)}\n${context()}`);
    }
    await page.waitForTimeout(250);
    last = await playerView(page);
  }
  return last;
}
