import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop, setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock } from './scenario.ts';

/** The real clock: a monotonic now() (performance.now, never set back) and real sleeps. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => sleepFor(Math.max(0, ms)),
};

/**
 * A virtual clock for tests of long runs: time moves only when someone sleeps (the sleeper's
 * time passes at once) or when the test calls advance(). A 24-hour soak on it takes as long as
 * its work, not its sleeps. sleep() still yields to the event loop, so concurrent work interleaves.
 */
export class ManualClock implements Clock {
  private time: number;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.time += Math.max(0, ms);
    await yieldToEventLoop();
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward: ${ms}`);
    this.time += ms;
  }
}
