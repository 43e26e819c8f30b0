import { describe, expect, it } from 'vitest';
import { authClientsTrackedMax } from '../../src/limits.ts';
import { AuthRateLimiter } from '../../src/server/rate-limiter.ts';

describe('AuthRateLimiter', () => {
  it('limits a client after the maximum failures until its window ends, and no one else', () => {
    let now = 1_000_000;
    const limiter = new AuthRateLimiter(() => now, 3, 10_000);
    for (let i = 0; i < 2; i++) limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(10);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    now += 9_500;
    expect(limiter.retryAfterSeconds('a')).toBe(1);
    now += 500;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });

  it('tracks at most authClientsTrackedMax clients, forgetting the oldest', () => {
    const limiter = new AuthRateLimiter(() => 0, 1, 10_000);
    limiter.recordFailure('first');
    expect(limiter.retryAfterSeconds('first')).toBeGreaterThan(0);
    for (let i = 0; i < authClientsTrackedMax; i++) limiter.recordFailure(`client-${i}`);
    expect(limiter.retryAfterSeconds('first')).toBe(0);
    expect(limiter.retryAfterSeconds(`client-${authClientsTrackedMax - 1}`)).toBeGreaterThan(0);
  });
});
