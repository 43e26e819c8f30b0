import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';

describe('ModelAdapter', () => {
  it('keeps its state across restart, close and reopen: it models a durable engine', async () => {
    const adapter = new ModelAdapter();
    await adapter.open();
    await adapter.write('m.a', [[1n, 1]]);
    await adapter.restart();
    await adapter.checkpoint();
    await adapter.close();
    await adapter.open();
    expect(await adapter.get('m.a', 1n)).toBe(1);
    expect(await adapter.describe()).toEqual({ engine: 'model', version: '1', adapter: 'model' });
    await adapter.close();
  });

  it('snapshot() is a copy of the series that hold points', async () => {
    const adapter = new ModelAdapter();
    await adapter.open();
    await adapter.write('m.a', [
      [2n, 2],
      [1n, 1],
    ]);
    await adapter.write('m.b', [[1n, 1]]);
    await adapter.deleteRange('m.b');
    const snapshot = adapter.snapshot();
    expect(snapshot).toEqual(
      new Map([
        [
          'm.a',
          new Map([
            [1n, 1],
            [2n, 2],
          ]),
        ],
      ]),
    );
    snapshot.get('m.a')!.set(3n, 3);
    expect(await adapter.get('m.a', 3n)).toBeUndefined();
  });

  it('sums exactly, where a plain running sum loses the small value', async () => {
    const adapter = new ModelAdapter();
    await adapter.open();
    await adapter.write('m.s', [
      [1n, 1e16],
      [2n, 1],
      [3n, -1e16],
    ]);
    const [bucket] = (await adapter.aggregate('m.s', undefined, undefined, { fns: ['sum', 'mean'] })).buckets;
    expect(bucket).toEqual({ start: -(2n ** 63n), count: 3, sum: 1, mean: 1 / 3 });
  });

  it('keeps -0 as written (the engine does too)', async () => {
    const adapter = new ModelAdapter();
    await adapter.open();
    await adapter.write('m.z', [[1n, -0]]);
    expect(Object.is(await adapter.get('m.z', 1n), -0)).toBe(true);
  });
});
