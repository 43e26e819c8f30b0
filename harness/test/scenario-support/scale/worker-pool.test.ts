import { describe, expect, it } from 'vitest';
import { runWorkers } from '../../../src/scenario-support/scale/worker-pool.ts';

describe('the worker pool', () => {
  it('runs the loops at once and waits for all of them', async () => {
    let running = 0;
    let most = 0;
    let done = 0;
    await runWorkers(3, async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      done++;
    });
    expect(most).toBe(3);
    expect(done).toBe(3);
  });

  it('stops the other loops after a failure and throws the first one', async () => {
    let steps = 0;
    const work = runWorkers(2, async (stopped) => {
      for (let i = 0; i < 1_000 && !stopped(); i++) {
        steps++;
        await new Promise((resolve) => setImmediate(resolve));
        if (steps === 10) throw new Error('first');
      }
    });
    await expect(work).rejects.toThrow('first');
    expect(steps).toBeLessThan(20);
  });

  it('refuses a count outside its bounds', async () => {
    await expect(runWorkers(0, async () => undefined)).rejects.toThrow(/invariant/);
    await expect(runWorkers(1_000, async () => undefined)).rejects.toThrow(/invariant/);
  });
});
