import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  authBusyRetryAfterSeconds,
  cpuCoresForEventLoopMin,
  libuvThreadsForFsMin,
  passwordHashesInFlightMax,
} from '../../src/limits.ts';
import { HashSlots, hashSlotsFor, hashSlotsHere, libuvPoolSize } from '../../src/server/hash-slots.ts';
import { codeOf } from '../support/codes.ts';

/** A hash that ends when the test says so. */
function held(): { promise: Promise<string>; finish: () => void; fail: () => void } {
  let finish = () => {};
  let fail = () => {};
  const promise = new Promise<string>((resolve, reject) => {
    finish = () => resolve('hashed');
    fail = () => reject(new Error('scrypt failed'));
  });
  return { promise, finish, fail };
}

describe('libuvPoolSize and hashSlotsFor', () => {
  it('read UV_THREADPOOL_SIZE the way libuv does', () => {
    expect(libuvPoolSize({})).toBe(4);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: '8' })).toBe(8);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: '0' })).toBe(1);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: '' })).toBe(1);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: 'many' })).toBe(1);
    expect(libuvPoolSize({ UV_THREADPOOL_SIZE: '5000' })).toBe(1024);
  });

  it('leave libuvThreadsForFsMin threads to the file system and cpuCoresForEventLoopMin cores to the event loop, and at least one slot', () => {
    expect(hashSlotsFor(4, 64)).toBe(Math.min(passwordHashesInFlightMax, 4 - libuvThreadsForFsMin));
    expect(hashSlotsFor(4, 64)).toBeLessThan(4);
    expect(hashSlotsFor(64, 2)).toBe(Math.min(passwordHashesInFlightMax, 2 - cpuCoresForEventLoopMin));
    expect(hashSlotsFor(64, 64)).toBe(passwordHashesInFlightMax);
    expect(hashSlotsFor(1, 64)).toBe(1);
    expect(hashSlotsFor(64, 1)).toBe(1);
    for (let pool = libuvThreadsForFsMin + 1; pool <= 16; pool++)
      for (let cores = cpuCoresForEventLoopMin + 1; cores <= 8; cores++) {
        expect(pool - hashSlotsFor(pool, cores)).toBeGreaterThanOrEqual(libuvThreadsForFsMin);
        expect(cores - hashSlotsFor(pool, cores)).toBeGreaterThanOrEqual(cpuCoresForEventLoopMin);
      }
  });
});

describe('HashSlots', () => {
  it('runs at most its capacity at once and refuses the next at once with AUTH_BUSY and a retry-after', async () => {
    const slots = new HashSlots(2);
    const [a, b] = [held(), held()];
    const first = slots.run(() => a.promise);
    const second = slots.run(() => b.promise);
    expect(slots.busy).toBe(2);
    let ran = false;
    const third = slots.run(async () => {
      ran = true;
      return 'hashed';
    });
    await expect(third).rejects.toMatchObject({
      code: 'OMENDB_ERR_AUTH_BUSY',
      details: { retryAfterSeconds: authBusyRetryAfterSeconds },
    });
    expect(ran).toBe(false);
    a.finish();
    expect(await first).toBe('hashed');
    expect(slots.busy).toBe(1);
    expect(await slots.run(async () => 'next')).toBe('next');
    // A hash that fails gives its slot back too.
    b.fail();
    expect(await codeOf(second)).toMatch(/scrypt failed/);
    expect(slots.busy).toBe(0);
  });

  it('sizes itself from the pool by default and refuses a capacity below one', () => {
    expect(new HashSlots().capacity).toBe(hashSlotsHere());
    expect(hashSlotsHere()).toBe(hashSlotsFor(libuvPoolSize(), availableParallelism()));
    expect(() => new HashSlots(0)).toThrow(/invariant/);
  });
});
