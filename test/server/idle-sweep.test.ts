/**
 * The publishers' idle check: one sweep timer for all connections. A connection whose byte count stops moving
 * is ended after the idle time; one still receiving is not; one that was unwatched is never called.
 */
import { IdleSweep } from '../../images/rtmp-server/src/session/idle-sweep';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('ends only the connections whose bytes stopped moving, once each', async () => {
  const sweep = new IdleSweep(300, 50);
  let live = 0;
  const calls: string[] = [];
  sweep.watch(() => 7, () => calls.push('stalled'));
  const stopLive = sweep.watch(() => live, () => calls.push('live'));
  const stopGone = sweep.watch(() => 1, () => calls.push('unwatched'));
  stopGone();
  const feeder = setInterval(() => { live += 100; }, 20);
  await sleep(800);
  expect(calls).toEqual(['stalled']);
  clearInterval(feeder);
  await sleep(800);
  expect(calls).toEqual(['stalled', 'live']);
  stopLive(); // after it fired: harmless
});
