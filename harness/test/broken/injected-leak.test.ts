import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { InjectedLeak, injectedLeakBytesPerOpDefault } from '../../src/broken/injected-leak.ts';
import { ResourceProbe } from '../../src/scenario-support/resource-probe.ts';

describe('InjectedLeak', () => {
  it('forwards every operation and retains a few KB for each', async () => {
    const adapter = new InjectedLeak(new ModelAdapter());
    await adapter.open();
    await adapter.write('s', [
      [1n, 1.5],
      [2n, 2.5],
    ]);
    expect(await adapter.get('s', 1n)).toBe(1.5);
    expect((await adapter.range('s')).points).toEqual([
      [1n, 1.5],
      [2n, 2.5],
    ]);
    expect((await adapter.aggregate('s', undefined, undefined, { fns: ['sum'] })).buckets[0]?.sum).toBe(4);
    await adapter.deleteRange('s', 1n, 1n);
    expect(await adapter.get('s', 1n)).toBeUndefined();
    expect(adapter.retainedBytes).toBe(6 * injectedLeakBytesPerOpDefault);
    expect((await adapter.describe()).adapter).toBe('injected-leak(model)');
    await adapter.close();
  });

  it('grows the heap after GC by what it retains', async () => {
    const adapter = new InjectedLeak(new ModelAdapter(), { bytesPerOp: 8_192 });
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    const before = (await probe.sample({ gc: true })).heapUsedBytes as number;
    for (let i = 0; i < 2_000; i++) await adapter.get('s', BigInt(i));
    const after = (await probe.sample({ gc: true })).heapUsedBytes as number;
    probe.close();
    const grown = after - before;
    console.log(`2,000 leaking reads of 8 KB: heap after GC +${(grown / 1024 / 1024).toFixed(1)} MB`);
    expect(adapter.retainedBytes).toBe(2_000 * 8_192);
    // The arrays' payload is on the JS heap: at least 90% of it shows up there.
    expect(grown).toBeGreaterThan(0.9 * adapter.retainedBytes);
    await adapter.close();
  });

  it('refuses a size below one double', () => {
    expect(() => new InjectedLeak(new ModelAdapter(), { bytesPerOp: 4 })).toThrow(RangeError);
    expect(() => new InjectedLeak(new ModelAdapter(), { bytesPerOp: 1.5e3 + 0.5 })).toThrow(RangeError);
  });
});
