import { randomBytes, scrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { passwordScryptMemoryBytesMax } from '../../src/limits.ts';
import {
  decoyPasswordHash,
  hashPassword,
  newHashCost,
  passwordHashCostVariable,
  verifyPassword,
} from '../../src/server/passwords.ts';

/**
 * Stored password hashes are checked from the outside: the format is parsed here and the hash
 * recomputed with node:crypto, so an unsalted or fast hash in the scrypt$ format cannot pass.
 */

/**
 * OWASP's scrypt recommendations (Password Storage Cheat Sheet), written here independently of
 * passwords.ts: a stored cost must be at least one of these in every parameter.
 */
const owaspScryptMinimums = [
  { N: 2 ** 17, r: 8, p: 1 },
  { N: 2 ** 16, r: 8, p: 2 },
  { N: 2 ** 15, r: 8, p: 3 },
  { N: 2 ** 14, r: 8, p: 5 },
  { N: 2 ** 13, r: 8, p: 10 },
] as const;

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  expect(match, stored).not.toBeNull();
  const [, N, r, p, salt, hash] = match!;
  return {
    N: Number(N),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt!, 'base64url'),
    hash: Buffer.from(hash!, 'base64url'),
  };
}

function scryptOf(password: string, salt: Buffer, length: number, cost: { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(
      password,
      salt,
      length,
      { ...cost, maxmem: 2 * 128 * cost.N * cost.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

async function storedWith(password: string, cost: { N: number; r: number; p: number }): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptOf(password, salt, 32, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

describe('password hashes', () => {
  it('are salted scrypt at OWASP cost: two hashes of one password differ, and each recomputes with node:crypto', async () => {
    const password = 'the-same-password-twice';
    // The engine's own cost: the environment without OMENDB_PASSWORD_HASH_COST (the suite sets it lower).
    const engineCost = newHashCost({});
    const [first, second] = [
      await hashPassword(password, engineCost),
      await hashPassword(password, engineCost),
    ];
    const a = parse(first);
    const b = parse(second);
    expect(a.salt.length).toBeGreaterThanOrEqual(16);
    expect(a.salt.equals(b.salt), 'two hashes share a salt').toBe(false);
    expect(a.hash.equals(b.hash)).toBe(false);
    for (const parsed of [a, b]) {
      const recomputed = await scryptOf(password, parsed.salt, parsed.hash.length, parsed);
      expect(recomputed.equals(parsed.hash), 'the stored hash is scrypt of its salt and parameters').toBe(
        true,
      );
    }
    const meetsOwasp = owaspScryptMinimums.some(
      (minimum) => a.N >= minimum.N && a.r >= minimum.r && a.p >= minimum.p,
    );
    expect(meetsOwasp, `N=${a.N} r=${a.r} p=${a.p} is below every OWASP scrypt minimum`).toBe(true);
    expect(a.hash.length).toBeGreaterThanOrEqual(32);
  });

  it('verify with their own stored parameters: the old default (N=2^15, r=8, p=1) and other bounded costs', async () => {
    const password = 'an-older-stored-password';
    const legacy = await storedWith(password, { N: 2 ** 15, r: 8, p: 1 });
    expect(legacy.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword(password, legacy)).toBe(true);
    expect(await verifyPassword(`${password}!`, legacy)).toBe(false);
    const other = await storedWith(password, { N: 2 ** 16, r: 8, p: 2 });
    expect(await verifyPassword(password, other)).toBe(true);
    expect(await verifyPassword(`${password}!`, other)).toBe(false);
    const current = await hashPassword(password);
    expect(await verifyPassword(password, current)).toBe(true);
    expect(await verifyPassword(`${password}!`, current)).toBe(false);
  });

  it('refuse malformed, too weak and absurd parameters without hashing for long', async () => {
    const password = 'a-password-for-bounds';
    const sound = parse(await storedWith(password, { N: 2 ** 15, r: 8, p: 1 }));
    const salt = sound.salt.toString('base64url');
    const hash = sound.hash.toString('base64url');
    const hostile = [
      `scrypt$${2 ** 30}$8$1$${salt}$${hash}`, // 128 GiB
      `scrypt$${2 ** 17}$16$1$${salt}$${hash}`, // 256 MiB, past passwordScryptMemoryBytesMax
      `scrypt$${2 ** 15}$8$100000$${salt}$${hash}`, // minutes of work
      `scrypt$${2 ** 10}$8$1$${salt}$${hash}`, // 1 MiB, below every OWASP recommendation
      `scrypt$${2 ** 13}$8$1$${salt}$${hash}`, // less work than anything this server wrote
      `scrypt$032768$8$1$${salt}$${hash}`,
      `scrypt$32767$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$0x8000$8$1$${salt}$${hash}`,
      `scrypt$32768$0$1$${salt}$${hash}`,
      `scrypt$32768$8$0$${salt}$${hash}`,
      `scrypt$32768$8$1$$${hash}`, // unsalted
      `scrypt$32768$8$1$${randomBytes(8).toString('base64url')}$${hash}`, // a short salt
      `scrypt$32768$8$1$${salt}$${hash.slice(0, 20)}`,
      `scrypt$32768$8$1$${salt}$${hash}$extra`,
      `bcrypt$32768$8$1$${salt}$${hash}`,
      '',
    ];
    expect(128 * 2 ** 17 * 16).toBeGreaterThan(passwordScryptMemoryBytesMax);
    const started = performance.now();
    for (const stored of hostile) expect(await verifyPassword(password, stored), stored).toBe(false);
    // Refused from the parameters alone: hashing p=100000 would take minutes.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('take their cost from OMENDB_PASSWORD_HASH_COST, within the bounds verification accepts', async () => {
    expect(passwordHashCostVariable).toBe('OMENDB_PASSWORD_HASH_COST');
    expect(newHashCost({})).toEqual({ N: 2 ** 16, r: 8, p: 2 });
    expect(newHashCost({ OMENDB_PASSWORD_HASH_COST: '' })).toEqual({ N: 2 ** 16, r: 8, p: 2 });
    const floor = newHashCost({ OMENDB_PASSWORD_HASH_COST: '32768,8,1' });
    expect(floor).toEqual({ N: 2 ** 15, r: 8, p: 1 });
    const stored = await hashPassword('a-password-at-the-floor', floor);
    expect(stored.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('a-password-at-the-floor', stored)).toBe(true);
    // Without a cost given, a hash follows the process's environment (here the suite's).
    const current = parse(await hashPassword('a-password-of-the-environment'));
    expect({ N: current.N, r: current.r, p: current.p }).toEqual(newHashCost());
  });

  it('refuse an OMENDB_PASSWORD_HASH_COST that is not N,r,p or is outside the bounds, with CONFIG_INVALID', () => {
    const refused = [
      '16384,8,1', // below the work floor
      '1024,8,1', // below the memory floor
      '131072,16,1', // 256 MiB
      '32768,8,100000', // minutes of work
      '32767,8,1', // N not a power of two
      '0x8000,8,1',
      '032768,8,1',
      '32768,8',
      '32768,8,1,1',
      ' 32768,8,1',
      '32768;8;1',
    ];
    for (const value of refused) {
      let code: unknown;
      try {
        newHashCost({ OMENDB_PASSWORD_HASH_COST: value });
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      expect(code, value).toBe('OMENDB_ERR_CONFIG_INVALID');
    }
  });

  it('have a decoy of the current cost for unknown users, the same promise every time', async () => {
    const decoy = await decoyPasswordHash();
    expect(decoy).toBe(await decoyPasswordHash());
    const parsed = parse(decoy);
    const current = parse(await hashPassword('anything-long-enough'));
    expect([parsed.N, parsed.r, parsed.p]).toEqual([current.N, current.r, current.p]);
  });
});
