import { isOmenDbError } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/scenario-support/deadline.ts';

describe('withDeadline', () => {
  it('passes an answer that comes in time', async () => {
    expect(await withDeadline(Promise.resolve(7), 1_000)).toBe(7);
    await expect(withDeadline(Promise.reject(new Error('refused')), 1_000)).rejects.toThrow('refused');
  });

  it('gives an unknown outcome (HARNESS_UNAVAILABLE) when no answer comes', async () => {
    const never = new Promise<number>(() => undefined);
    const error = await withDeadline(never, 10).catch((e: unknown) => e);
    expect(isOmenDbError(error, 'OMENDB_ERR_HARNESS_UNAVAILABLE')).toBe(true);
  });
});
