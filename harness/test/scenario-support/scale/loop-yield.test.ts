import { describe, expect, it } from 'vitest';
import { LoopYield } from '../../../src/scenario-support/scale/loop-yield.ts';

describe('the loop yield', () => {
  it('lets a timer fire inside a loop that never leaves the microtask queue', async () => {
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
    }, 1);
    const loop = new LoopYield(2);
    const started = performance.now();
    // Bounded: the timer fires within a few yields, or the loop gives up after 2 s.
    while (!fired && performance.now() - started < 2_000) {
      await Promise.resolve();
      await loop.yieldNow();
    }
    clearTimeout(timer);
    expect(fired).toBe(true);
  });

  it('does not yield before its interval has passed', async () => {
    let immediate = false;
    setImmediate(() => {
      immediate = true;
    });
    const loop = new LoopYield(60_000);
    await loop.yieldNow();
    expect(immediate).toBe(false);
  });
});
