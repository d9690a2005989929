// The shutdown sequence step by step, on jest's fake clock (no wall-clock timing in assertions).
import { Writable } from 'node:stream';
import pino from 'pino';
import { Lifecycle, PRESTOP_REVERT_MS } from '../../images/rtmp-server/src/lifecycle';

const silent = pino({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

function setup(sessions: number, grace = 2, drain = 30) {
  const events: string[] = [];
  const app = {
    sessions,
    stopAccepting: async () => { events.push('stopAccepting'); },
    activeSessions: () => app.sessions,
    closeAll: () => { events.push(`closeAll(${app.sessions})`); app.sessions = 0; },
  };
  const exits: number[] = [];
  const lc = new Lifecycle({
    app, settings: () => ({ readinessGraceSeconds: grace, drainSeconds: drain }), log: silent,
    exit: (code) => { events.push(`exit(${code})`); exits.push(code); },
  });
  lc.onExit(() => { events.push('cleanup'); });
  lc.markListening();
  return { app, lc, events, exits };
}

describe('lifecycle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('SIGTERM: not ready at once, accepting through the grace, then stop accepting, drain, close, exit 0', async () => {
    const { app, lc, events } = setup(3);
    expect(lc.isReady()).toBe(true);
    lc.handleSignal('SIGTERM');
    expect(lc.isReady()).toBe(false);
    expect(lc.state()).toBe('draining');
    await jest.advanceTimersByTimeAsync(1999);
    expect(events).toEqual([]); // still accepting during the grace
    await jest.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['stopAccepting']);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(events).toEqual(['stopAccepting']); // players still draining
    app.sessions = 0;
    await jest.advanceTimersByTimeAsync(500);
    expect(events).toEqual(['stopAccepting', 'closeAll(0)', 'cleanup', 'exit(0)']);
  });

  test('drainSeconds bounds the wait: remaining sessions are closed, exit is still 0', async () => {
    const { lc, events } = setup(2, 1, 5);
    lc.handleSignal('SIGTERM');
    await jest.advanceTimersByTimeAsync(1000 + 4900);
    expect(events).toEqual(['stopAccepting']);
    await jest.advanceTimersByTimeAsync(400);
    expect(events).toEqual(['stopAccepting', 'closeAll(2)', 'cleanup', 'exit(0)']);
  });

  test('a second signal ends it at once (closeAll, exit 0)', async () => {
    const { lc, events, exits } = setup(4);
    lc.handleSignal('SIGTERM');
    await jest.advanceTimersByTimeAsync(2500);
    lc.handleSignal('SIGINT');
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['stopAccepting', 'closeAll(4)', 'cleanup', 'exit(0)']);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(exits).toEqual([0]);
  });

  test('preStop flips readiness and waits the grace; a later SIGTERM does not wait it again', async () => {
    const { lc, events } = setup(0, 2);
    let done = false;
    void lc.preStop().then(() => { done = true; });
    expect(lc.isReady()).toBe(false);
    await jest.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    lc.handleSignal('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['stopAccepting', 'closeAll(0)', 'cleanup', 'exit(0)']);
  });

  test('a /prestop with no SIGTERM after it (not the kubelet) does not leave the pod unready for good', async () => {
    const { lc, events } = setup(1, 1);
    const done = lc.preStop();
    await jest.advanceTimersByTimeAsync(1000);
    await done;
    await jest.advanceTimersByTimeAsync(PRESTOP_REVERT_MS - 1);
    expect(lc.isReady()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(lc.isReady()).toBe(true);
    lc.handleSignal('SIGTERM'); // a later real shutdown still runs the full sequence
    expect(lc.isReady()).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(events).toEqual(['stopAccepting']);
  });

  test('not ready before the listeners are bound', () => {
    const lc = new Lifecycle({
      app: { stopAccepting: async () => {}, activeSessions: () => 0, closeAll: () => {} },
      settings: () => ({ readinessGraceSeconds: 0, drainSeconds: 0 }), log: silent, exit: () => {},
    });
    expect([lc.isReady(), lc.state()]).toEqual([false, 'starting']);
    lc.markListening();
    expect([lc.isReady(), lc.state()]).toEqual([true, 'ready']);
  });
});
