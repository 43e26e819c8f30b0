import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { scaleSampleIntervalMs } from '../../limits.ts';

/**
 * An in-process engine answers without ever leaving the microtask queue (its writes resolve at
 * once, one after another), so timers would not fire until a whole phase ended: the resource
 * sampler and the progress bar would see nothing in between. The scale loops call yieldNow()
 * after each operation; it gives the event loop a turn when more than a fifth of the sampling
 * interval has passed since the last one, which costs nothing measurable.
 */
export class LoopYield {
  private last = performance.now();

  constructor(private readonly everyMs = scaleSampleIntervalMs / 5) {}

  async yieldNow(): Promise<void> {
    const now = performance.now();
    if (now - this.last < this.everyMs) return;
    await nextTurn();
    this.last = performance.now();
  }
}
