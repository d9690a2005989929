/**
 * PublishClock (hub/timeline.ts): a publish's timestamps made monotonic. Jumps back (> 1 s) or far ahead
 * (> 10 s) are rebased to continue one frame on; interleaving and real gaps pass; the 32-bit wrap is no jump;
 * an encoder's timeline starts at the wall clock, a relayed one is kept as it is.
 */
import { PublishClock } from '../../images/rtmp-server/src/hub/timeline';

const NOW = 1_234_567_890_123;

test('an encoder timeline starts at the wall clock; a relayed one is kept as it is', () => {
  const enc = new PublishClock(() => NOW);
  const start = enc.map(0);
  expect(start).toBe(2_000_000 + Math.ceil((NOW % 2 ** 30) / 10_000) * 10_000);
  expect(start % 10_000).toBe(0); // keyframes keep their phase against HLS slots
  expect(enc.fromStart).toBe(true);
  expect(enc.map(40)).toBe(start + 40);
  const relayed = new PublishClock(() => NOW);
  expect(relayed.map(5_000_123)).toBe(5_000_123);
  expect(relayed.fromStart).toBe(false);
  expect(relayed.map(5_000_163)).toBe(5_000_163);
});

test('jumps back or far ahead are rebased one frame after the newest timestamp; small steps and gaps pass', () => {
  const c = new PublishClock();
  const base = 5_000_000;
  expect(c.map(base)).toBe(base);
  expect(c.map(base + 40)).toBe(base + 40);
  expect(c.map(base + 20)).toBe(base + 20); // audio interleaved behind video: not a jump
  expect(c.jumped).toBe(false);
  expect(c.map(base - 10_000)).toBe(base + 80); // clock reset back 10 s
  expect(c.jumped).toBe(true);
  expect(c.map(base - 9_960)).toBe(base + 120); // and the rest follows
  expect(c.jumped).toBe(false);
  expect(c.map(base - 9_960 + 8_000)).toBe(base + 8_120); // an 8 s gap is real time: kept
  expect(c.map(base + 60_000)).toBe(base + 8_160); // a minute ahead: rebased
  expect(c.jumps).toBe(2);
});

test('the 32-bit RTMP timestamp wrap is a small step forward, not a jump', () => {
  const c = new PublishClock();
  expect(c.map(2 ** 32 - 40)).toBe(2 ** 32 - 40);
  expect(c.map(0)).toBe(0);
  expect(c.map(40)).toBe(40);
  expect(c.jumps).toBe(0);
});
