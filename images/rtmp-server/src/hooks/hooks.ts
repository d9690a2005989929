/**
 * The HTTP callbacks (SRS http_hooks) of one server process.
 *
 * - `gate()` (onConnect, onPublish, onPlay): asks every URL of the event in turn; the first denial denies. An
 *   answer always counts (SRS: HTTP 200 with `0` or `{"code":0}` allows, anything else denies); no answer within
 *   `hooks.timeoutMs`, or a connection error, counts as `hooks.failOpen` says. The session waits for it.
 * - `notify()` (onUnpublish, onStop, onHls, onDvr, and onPublish-style events from other modules): fire and forget.
 *   Each URL gets up to 1 + `hooks.retries` attempts, `hooks.backoffMs` doubling between them; a notification still
 *   undelivered after that, or one that finds MAX_PENDING deliveries already waiting (a backend that is down), is
 *   dropped and counted. Nothing here ever delays or throws into the media path.
 *
 * Results go to observers (metrics) as `event, result, seconds`, result one of
 * allowed | denied | failed (gates) and ok | retry | dropped (notifications).
 */
import type { HookEvent, HooksConfig } from '../../../../lib/server-config';
import type { Logger } from '../log';
import { HookUnreachable, postJson } from './http-post';
import { HookClient, parseAnswer, srsBody, SRS_ACTION } from './srs-body';

export type HookResult = 'allowed' | 'denied' | 'failed' | 'ok' | 'retry' | 'dropped';
export type HookObserver = (event: HookEvent, result: HookResult, seconds: number) => void;
export type GateEvent = 'onConnect' | 'onPublish' | 'onPlay';

export interface GateResult {
  readonly allowed: boolean;
  /** Why it was denied, for the log line and the client's status. */
  readonly reason: string;
  /** Forward destinations the onPublish answers named (`data.urls`). */
  readonly urls: string[];
}

/** Notifications waiting or in flight at most; beyond this a new one is dropped (the backend is down or slow). */
export const MAX_PENDING = 1000;
/** How long a stream's publisher stays known after it left, for the last on_hls / on_dvr of the publish. */
const STREAM_MEMORY_MS = 60_000;

const ALLOW: GateResult = { allowed: true, reason: '', urls: [] };

export class Hooks {
  private readonly observers: HookObserver[] = [];
  private pending = 0;
  /** The publisher of each stream (for stream-level events: on_hls, on_dvr). */
  private readonly publishers = new Map<string, HookClient>();

  constructor(private readonly config: () => HooksConfig, private readonly log: Logger) {}

  addObserver(o: HookObserver): void { this.observers.push(o); }

  /** Whether `event` has any URL (callers skip building bodies otherwise). */
  has(event: HookEvent): boolean { return this.config()[event].length > 0; }

  private observe(event: HookEvent, result: HookResult, startedAt: number): void {
    const seconds = (Date.now() - startedAt) / 1000;
    for (const o of this.observers) {
      try { o(event, result, seconds); } catch { /* an observer must not break a session */ }
    }
  }

  /** Asks the backend whether `client` may connect / publish / play. Never rejects. */
  async gate(event: GateEvent, client: HookClient): Promise<GateResult> {
    const cfg = this.config();
    const urls: string[] = [];
    for (const url of cfg[event]) {
      const started = Date.now();
      try {
        const reply = await postJson(url, srsBody(event, client), cfg.timeoutMs);
        const answer = parseAnswer(reply.status, reply.body);
        this.observe(event, answer.allowed ? 'allowed' : 'denied', started);
        if (!answer.allowed) return { allowed: false, reason: `${SRS_ACTION[event]} denied: ${answer.reason}`, urls: [] };
        urls.push(...answer.urls);
      } catch (e) {
        this.observe(event, 'failed', started);
        const why = e instanceof HookUnreachable ? e.message : `error: ${(e as Error).message}`;
        this.log.warn({ event: 'hook-failed', hook: event, url: redactUrl(url), client: client.id, err: why, failOpen: cfg.failOpen },
          `${SRS_ACTION[event]} hook unreachable (${why}); ${cfg.failOpen ? 'allowing' : 'denying'}`);
        if (!cfg.failOpen) return { allowed: false, reason: `${SRS_ACTION[event]} hook unreachable: ${why}`, urls: [] };
      }
    }
    return urls.length ? { allowed: true, reason: '', urls } : ALLOW;
  }

  /** Sends a notification to every URL of `event` in the background (bounded retries; dropped and counted after). */
  notify(event: HookEvent, client: HookClient, extra: Record<string, unknown> = {}): void {
    const cfg = this.config();
    if (cfg[event].length === 0) return;
    const body = srsBody(event, client, extra);
    for (const url of cfg[event]) {
      if (this.pending >= MAX_PENDING) {
        this.observe(event, 'dropped', Date.now());
        continue;
      }
      this.pending++;
      void this.deliver(event, url, body, cfg).finally(() => { this.pending--; });
    }
  }

  /**
   * A stream-level notification (on_hls, on_dvr): the body describes the stream's publisher as it was when it
   * started (id, ip, tcUrl, param). For the DVR writer: `hooks.notifyStream('onDvr', app, stream, { cwd, file })`.
   */
  notifyStream(event: HookEvent, app: string, stream: string, extra: Record<string, unknown> = {}): void {
    if (!this.has(event)) return;
    const c = this.publishers.get(`${app}/${stream}`) ?? { id: '', ip: '', app, stream, query: '', tcUrl: '' };
    this.notify(event, c, extra);
  }

  /** A publish started (sessions call this after the hub accepted it): remembered for stream-level events. */
  published(c: HookClient): void { this.publishers.set(`${c.app}/${c.stream}`, c); }

  /** The publish ended: forgotten a little later, so the files it closed while ending still name it. */
  unpublished(c: HookClient): void {
    const key = `${c.app}/${c.stream}`;
    setTimeout(() => { if (this.publishers.get(key) === c) this.publishers.delete(key); }, STREAM_MEMORY_MS).unref();
  }

  /** Notifications waiting or in flight (tests, logs). */
  get pendingCount(): number { return this.pending; }

  private async deliver(event: HookEvent, url: string, body: Record<string, unknown>, cfg: HooksConfig): Promise<void> {
    let wait = cfg.backoffMs;
    let last = '';
    for (let attempt = 0; attempt <= cfg.retries; attempt++) {
      if (attempt > 0) {
        await new Promise((r) => setTimeout(r, wait).unref());
        wait *= 2;
      }
      const started = Date.now();
      try {
        const reply = await postJson(url, body, cfg.timeoutMs);
        if (reply.status >= 200 && reply.status < 300) { this.observe(event, 'ok', started); return; }
        last = `HTTP ${reply.status}`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (attempt < cfg.retries) this.observe(event, 'retry', started);
    }
    this.observe(event, 'dropped', Date.now());
    this.log.warn({ event: 'hook-dropped', hook: event, url: redactUrl(url), err: last, attempts: cfg.retries + 1 },
      `${SRS_ACTION[event]} notification dropped after ${cfg.retries + 1} attempts: ${last}`);
  }
}

/** A hook URL for logs: scheme, host and path (a query may carry the backend's token). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad URL)';
  }
}
