import { describe, expect, it } from 'vitest';
import { authClientsTrackedMax, authUsersTrackedMax } from '../../src/limits.ts';
import { AuthRateLimiter } from '../../src/server/rate-limiter.ts';
import { codeOfCall } from '../support/codes.ts';

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

  it('counts an attempt when it is reserved, before it is checked: reservations past the limit are refused', () => {
    const limiter = new AuthRateLimiter(() => 0, 3, 10_000, 100);
    for (let i = 0; i < 3; i++) limiter.reserve('a', `user-${i}`);
    expect(limiter.retryAfterSeconds('a')).toBe(10);
    expect(codeOfCall(() => limiter.reserve('a', 'user-9'))).toBe('OMENDB_ERR_AUTH_RATE_LIMITED');
    try {
      limiter.reserve('a', 'user-9');
    } catch (error) {
      expect((error as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBe(10);
    }
    expect(codeOfCall(() => limiter.reserve('b', 'user-9'))).toBeUndefined();
  });

  it('takes back a reserved attempt that succeeded, once, and only in its own window', () => {
    let now = 0;
    const limiter = new AuthRateLimiter(() => now, 2, 10_000, 100);
    const first = limiter.reserve('a', 'alice');
    limiter.reserve('a', 'alice');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    first.giveBack();
    first.giveBack();
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    expect(limiter.retryAfterSeconds('a', 'alice')).toBe(0);
    limiter.reserve('a', 'alice');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    // A success that ends after its window gives nothing back from the next window.
    const late = limiter.reserve('b', 'bob');
    now += 10_000;
    limiter.reserve('b', 'bob');
    limiter.reserve('b', 'bob');
    late.giveBack();
    expect(limiter.retryAfterSeconds('b')).toBe(10);
  });

  it('limits a user name across addresses, and not other names or the addresses themselves', () => {
    const limiter = new AuthRateLimiter(() => 0, 10, 10_000, 2);
    limiter.reserve('a', 'alice');
    limiter.reserve('b', 'alice');
    expect(codeOfCall(() => limiter.reserve('c', 'alice'))).toBe('OMENDB_ERR_AUTH_RATE_LIMITED');
    expect(limiter.retryAfterSeconds('c', 'alice')).toBe(10);
    expect(limiter.retryAfterSeconds('c')).toBe(0);
    expect(limiter.retryAfterSeconds('c', 'bob')).toBe(0);
    expect(codeOfCall(() => limiter.reserve('c', 'bob'))).toBeUndefined();
    // Failures without a user name (a bad token) count against the address only.
    limiter.recordFailure('d');
    expect(limiter.retryAfterSeconds('d', 'carol')).toBe(0);
  });

  it('tracks at most authUsersTrackedMax user names, forgetting the oldest', () => {
    const limiter = new AuthRateLimiter(() => 0, authUsersTrackedMax + 10, 10_000, 1);
    limiter.reserve('a', 'first');
    expect(limiter.retryAfterSeconds('b', 'first')).toBeGreaterThan(0);
    for (let i = 0; i < authUsersTrackedMax; i++) limiter.reserve(`client-${i % 4}`, `name-${i}`);
    expect(limiter.retryAfterSeconds('b', 'first')).toBe(0);
    expect(limiter.retryAfterSeconds('b', `name-${authUsersTrackedMax - 1}`)).toBeGreaterThan(0);
  });
});
