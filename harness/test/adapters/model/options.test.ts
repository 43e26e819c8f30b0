import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { modelDefaults } from '../../../src/adapters/model/options.ts';

describe('model options', () => {
  it('reports its own version and starts from a copy of an initial state', async () => {
    const initial = new Map([['a', new Map([[1n, 1]])]]);
    const adapter = new ModelAdapter({ initial });
    initial.get('a')!.set(2n, 2);
    expect(adapter.snapshot()).toEqual(new Map([['a', new Map([[1n, 1]])]]));
    expect((await adapter.describe()).version).toBe(modelDefaults.version);
  });
});
