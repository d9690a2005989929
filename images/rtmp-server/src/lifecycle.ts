// Readiness and graceful shutdown, matching the constructs' preStop hook and terminationGracePeriodSeconds:
// readiness false at once → keep accepting for readinessGraceSeconds (endpoints get removed meanwhile) →
// stop accepting → let running sessions drain up to drainSeconds → close the rest → exit 0.
import type { LifecycleConfig } from '../../../lib/server-config';
import type { MediaApp } from './app';
import type { Logger } from './log';

export interface LifecycleDeps {
  readonly app: Pick<MediaApp, 'stopAccepting' | 'activeSessions' | 'closeAll'>;
  /** Current settings (a config reload may change them). */
  readonly settings: () => LifecycleConfig;
  readonly log: Logger;
  /** Ends the process (process.exit in main; a spy in tests). */
  readonly exit: (code: number) => void;
}

/** How often the drain checks whether every session has ended. */
const DRAIN_POLL_MS = 200;

/**
 * The kubelet sends SIGTERM as soon as the preStop hook returns. If none comes this long after /prestop,
 * it was not the kubelet (the API port may be reachable by others): readiness comes back.
 */
export const PRESTOP_REVERT_MS = 60_000;

export class Lifecycle {
  private listening = false;
  private notReadySince: number | null = null;
  private shuttingDown = false;
  private readonly cleanups: (() => unknown)[] = [];

  constructor(private readonly deps: LifecycleDeps) {}

  /** The media listeners are bound: readiness may become true. */
  markListening(): void {
    this.listening = true;
  }

  /** "Can take a stream": listening and neither draining nor told to stop by preStop. */
  isReady(): boolean {
    return this.listening && this.notReadySince === null;
  }

  /** Why readiness is false, for /readyz. */
  state(): 'starting' | 'ready' | 'draining' {
    if (this.notReadySince !== null) return 'draining';
    return this.listening ? 'ready' : 'starting';
  }

  /** Work to run just before exit (close the API server, stop the config watcher). */
  onExit(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  /**
   * The preStop hook: readiness goes false, then this resolves after readinessGraceSeconds, so the kubelet
   * sends SIGTERM only once the pod has had time to leave the Service endpoints.
   */
  async preStop(): Promise<void> {
    this.markNotReady('prestop');
    await sleep(this.remainingGraceMs());
    const revert = setTimeout(() => {
      if (this.shuttingDown || this.notReadySince === null) return;
      this.notReadySince = null;
      this.deps.log.warn({ event: 'readiness-restored', afterMs: PRESTOP_REVERT_MS }, 'no SIGTERM after /prestop: ready again');
    }, PRESTOP_REVERT_MS);
    revert.unref();
  }

  /** SIGTERM/SIGINT: the first starts the graceful shutdown, a second one ends the process at once. */
  handleSignal(signal: string): void {
    if (this.shuttingDown) {
      this.deps.log.warn({ event: 'shutdown-forced', signal, sessions: this.deps.app.activeSessions() }, 'second signal: closing now');
      void this.finish('forced');
      return;
    }
    this.shuttingDown = true;
    void this.shutdown(signal);
  }

  private async shutdown(signal: string): Promise<void> {
    const { log, app } = this.deps;
    this.markNotReady(signal);
    const graceMs = this.remainingGraceMs();
    log.info({ event: 'shutdown-start', signal, graceMs, sessions: app.activeSessions() }, 'readiness false; still accepting during grace');
    await sleep(graceMs);
    try {
      await app.stopAccepting();
    } catch (e) {
      log.error({ event: 'stop-accepting-failed', err: e }, 'closing listeners failed');
    }
    const drainMs = this.deps.settings().drainSeconds * 1000;
    const started = Date.now();
    log.info({ event: 'drain-start', drainMs, sessions: app.activeSessions() }, 'no new connections; draining');
    while (app.activeSessions() > 0 && Date.now() - started < drainMs && this.shuttingDown) {
      await sleep(Math.min(DRAIN_POLL_MS, drainMs - (Date.now() - started)));
    }
    log.info({ event: 'drain-end', waitedMs: Date.now() - started, remaining: app.activeSessions() }, 'drain over');
    await this.finish('drained');
  }

  private finishing = false;

  private async finish(how: 'drained' | 'forced'): Promise<void> {
    if (this.finishing && how !== 'forced') return;
    this.finishing = true;
    const { log, app } = this.deps;
    try {
      app.closeAll();
    } catch (e) {
      log.error({ event: 'close-all-failed', err: e }, 'closing sessions failed');
    }
    for (const fn of this.cleanups.splice(0)) {
      try {
        await Promise.race([fn(), sleep(1000)]); // a cleanup never holds the exit up for long
      } catch (e) {
        log.warn({ event: 'cleanup-failed', err: e }, 'cleanup failed');
      }
    }
    log.info({ event: 'exit', how, code: 0 }, 'exiting');
    this.deps.exit(0);
  }

  private markNotReady(reason: string): void {
    if (this.notReadySince !== null) return;
    this.notReadySince = Date.now();
    this.deps.log.info({ event: 'readiness-false', reason }, 'readiness false');
  }

  /** The part of readinessGraceSeconds not yet spent since readiness went false (preStop may have spent it). */
  private remainingGraceMs(): number {
    const graceMs = this.deps.settings().readinessGraceSeconds * 1000;
    const spent = this.notReadySince === null ? 0 : Date.now() - this.notReadySince;
    return Math.max(0, graceMs - spent);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
