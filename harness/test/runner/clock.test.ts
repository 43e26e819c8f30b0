import { describe, expect, it } from 'vitest';
import { ManualClock, realClock } from '../../src/runner/clock.ts';

describe('clocks', () => {
  it('the real clock is monotonic and really sleeps', async () => {
    const start = realClock.now();
    await realClock.sleep(20);
    expect(realClock.now() - start).toBeGreaterThanOrEqual(15);
    await realClock.sleep(-5);
  });

  it('the manual clock moves only by sleep and advance, at once', async () => {
    const clock = new ManualClock(100);
    expect(clock.now()).toBe(100);
    const before = Date.now();
    await clock.sleep(86_400_000);
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(clock.now()).toBe(86_400_100);
    clock.advance(5);
    await clock.sleep(-1);
    expect(clock.now()).toBe(86_400_105);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(new ManualClock().now()).toBe(0);
  });
});
