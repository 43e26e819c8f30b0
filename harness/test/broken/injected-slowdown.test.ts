import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { InjectedSlowdown, injectedSlowdownMsPerMinuteDefault } from '../../src/broken/injected-slowdown.ts';
import { ManualClock } from '../../src/runner/clock.ts';

/** Clock time one operation takes. */
async function timed(clock: ManualClock, operation: () => Promise<unknown>): Promise<number> {
  const started = clock.now();
  await operation();
  return clock.now() - started;
}

describe('InjectedSlowdown', () => {
  it('delays every operation by a time that grows with the clock since open', async () => {
    const clock = new ManualClock();
    const adapter = new InjectedSlowdown(new ModelAdapter(), clock, { msPerMinute: 2 });
    expect(adapter.currentDelayMs()).toBe(0);
    await adapter.open();
    expect(await timed(clock, () => adapter.write('s', [[1n, 1]]))).toBe(0);
    clock.advance(60_000);
    expect(await timed(clock, () => adapter.get('s', 1n))).toBe(2);
    clock.advance(9 * 60_000);
    const delay = adapter.currentDelayMs();
    expect(delay).toBeCloseTo(20, 3); // 10 minutes, plus the 2 ms the get waited
    // Each operation waits for the delay at its start (and the clock moves meanwhile).
    const range = await timed(clock, () => adapter.range('s'));
    expect(range).toBeCloseTo(delay, 9);
    expect(await timed(clock, () => adapter.aggregate('s'))).toBeGreaterThan(20);
    expect(await timed(clock, () => adapter.deleteRange('s', 1n, 1n))).toBeGreaterThan(20);
    expect(await adapter.get('s', 1n)).toBeUndefined();
    expect((await adapter.describe()).adapter).toBe('injected-slowdown(model)');
    await adapter.close();
  });

  it('adds 1 ms per minute by default, and refuses a rate that is not positive', () => {
    expect(injectedSlowdownMsPerMinuteDefault).toBe(1);
    const clock = new ManualClock();
    expect(() => new InjectedSlowdown(new ModelAdapter(), clock, { msPerMinute: 0 })).toThrow(RangeError);
    expect(() => new InjectedSlowdown(new ModelAdapter(), clock, { msPerMinute: Number.NaN })).toThrow(
      RangeError,
    );
  });
});
