import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { DropEveryNthWrite, dropEveryNthWriteDefault } from '../../src/broken/drop-every-nth-write.ts';

describe('DropEveryNthWrite', () => {
  it('acknowledges every write and silently drops the nth, 2nth, ...', async () => {
    const adapter = new DropEveryNthWrite(new ModelAdapter(), { n: 3 });
    await adapter.open();
    for (let i = 1; i <= 9; i++) await adapter.write('s', [[BigInt(i), i]]);
    const keys = (await adapter.range('s')).points.map(([key]) => key);
    expect(keys).toEqual([1n, 2n, 4n, 5n, 7n, 8n]);
    expect(adapter.dropped).toBe(3);
    expect((await adapter.describe()).adapter).toBe('drop-every-nth-write(model)');
    await adapter.close();
  });

  it('drops one write in 97 by default', async () => {
    expect(dropEveryNthWriteDefault).toBe(97);
    const adapter = new DropEveryNthWrite(new ModelAdapter());
    await adapter.open();
    for (let i = 1; i <= 2 * 97; i++) await adapter.write('s', [[BigInt(i), i]]);
    expect(adapter.dropped).toBe(2);
    expect(await adapter.get('s', 97n)).toBeUndefined();
    expect(await adapter.get('s', 96n)).toBe(96);
    expect((await adapter.range('s')).points).toHaveLength(2 * 97 - 2);
    await adapter.close();
  });

  it('refuses an n that is not a positive integer', () => {
    expect(() => new DropEveryNthWrite(new ModelAdapter(), { n: 0 })).toThrow(RangeError);
    expect(() => new DropEveryNthWrite(new ModelAdapter(), { n: 1.5 })).toThrow(RangeError);
  });
});
