import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { StaleAfterRestart } from '../../src/broken/stale-after-restart.ts';

describe('StaleAfterRestart', () => {
  it('reads are right until a restart, then keys written twice answer their value before the last write', async () => {
    const inner = new ModelAdapter();
    const adapter = new StaleAfterRestart(inner);
    await adapter.open();
    await adapter.write('s', [
      [1n, 1],
      [2n, 2],
      [3n, 3],
    ]);
    // Inside a batch the last occurrence wins: 2 -> 20 is one write of key 2.
    await adapter.write('s', [
      [1n, 10],
      [2n, 99],
      [2n, 20],
    ]);
    await adapter.write('s', [[1n, 100]]);
    expect(await adapter.get('s', 1n)).toBe(100);
    expect(adapter.stale).toBe(false);

    await adapter.restart();
    expect(adapter.stale).toBe(true);
    expect(await inner.get('s', 1n)).toBe(100);
    expect(await adapter.get('s', 1n)).toBe(10);
    expect(await adapter.get('s', 2n)).toBe(2);
    expect(await adapter.get('s', 3n)).toBe(3);
    expect(await adapter.get('s', 4n)).toBeUndefined();
    expect((await adapter.range('s')).points).toEqual([
      [1n, 10],
      [2n, 2],
      [3n, 3],
    ]);
    expect((await adapter.range('other')).points).toEqual([]);
    await adapter.close();
  });

  it('deleted keys stay deleted and start over; a dropped series forgets its history', async () => {
    const adapter = new StaleAfterRestart(new ModelAdapter());
    await adapter.open();
    await adapter.write('s', [
      [1n, 1],
      [2n, 2],
    ]);
    await adapter.write('s', [
      [1n, 10],
      [2n, 20],
    ]);
    await adapter.deleteRange('s', 2n, undefined);
    await adapter.write('s', [[2n, 200]]);
    await adapter.write('t', [[1n, 1]]);
    await adapter.write('t', [[1n, 2]]);
    await adapter.dropSeries('t');
    await adapter.write('t', [[1n, 3]]);
    await adapter.deleteRange('s', undefined, 0n);
    await adapter.restart();
    expect(await adapter.get('s', 1n)).toBe(1);
    expect(await adapter.get('s', 2n)).toBe(200);
    expect(await adapter.get('t', 1n)).toBe(3);
    await adapter.deleteRange('s', 1n, 1n);
    expect(await adapter.get('s', 1n)).toBeUndefined();
    await adapter.close();
  });
});
