import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { ZeroForAbsent } from '../../src/broken/zero-for-absent.ts';

describe('ZeroForAbsent', () => {
  it('answers 0 for a key without a point, and the real value otherwise', async () => {
    const inner = new ModelAdapter();
    const adapter = new ZeroForAbsent(inner);
    await adapter.open();
    await adapter.write('s', [[1n, 2.5]]);
    expect(await adapter.get('s', 1n)).toBe(2.5);
    expect(await inner.get('s', 2n)).toBeUndefined();
    expect(await adapter.get('s', 2n)).toBe(0);
    expect(await adapter.get('never-written', 0n)).toBe(0);
    await adapter.close();
  });
});
