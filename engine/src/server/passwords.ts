import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { assert, OmenDbError } from '../errors.ts';
import {
  passwordSaltBytesMax,
  passwordSaltBytesMin,
  passwordScryptMemoryBytesMax,
  passwordScryptMemoryBytesMin,
  passwordScryptWorkMax,
  passwordScryptWorkMin,
} from '../limits.ts';

/**
 * Password hashing with scrypt (node:crypto), stored as `scrypt$N$r$p$salt$hash` (base64url).
 * Each hash keeps its own parameters, and verification recomputes with them (within the bounds of
 * limits.ts) and compares in constant time: raising the cost of new hashes leaves the old ones
 * verifying, at their old cost, until their password changes.
 */

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * The cost of new hashes: N=2^16, r=8, p=2, one of OWASP's equivalent recommendations (its
 * Password Storage Cheat Sheet: N=2^17 r=8 p=1, or 2^16/8/2, or 2^15/8/3). The same work as
 * 2^17/8/1 (about 0.35 s on one core here) with 64 MiB per hash instead of 128 MiB: with
 * passwordHashesInFlightMax hashes at once that is 128 MiB at most beside the memtables, and
 * still twice the memory of the old 2^15/8/1, which is what makes guessing on GPUs expensive.
 */
export const scryptCost: ScryptCost = { N: 2 ** 16, r: 8, p: 2 };

/**
 * The environment variable that sets the cost of new hashes instead, as `N,r,p` (`65536,8,2`),
 * within the same bounds as verification (limits.ts): an operator tunes the cost to the
 * hardware, but can go no cheaper than the floor old hashes are still verified at. The test
 * suite sets it to that floor (vitest.config.ts), since hundreds of hashes at the full cost were
 * a fifth of its CPU; the readiness run's password-hash-cost fact holds a fresh server to the
 * cost README.md documents, so a cheaper cost left in a release environment fails the gate.
 */
export const passwordHashCostVariable = 'OMENDB_PASSWORD_HASH_COST';
const saltBytes = 16;
const hashBytes = 32;
/** scrypt's cap on its own allocation (128 x r x (N + p + 2) bytes): twice the largest allowed. */
const scryptMaxmemBytes = 2 * passwordScryptMemoryBytesMax;

interface StoredHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Decimal without a leading zero or sign: `0x8000` or `1e5` must not pass for a number. */
const storedPattern =
  /^scrypt\$([1-9][0-9]{0,9})\$([1-9][0-9]{0,9})\$([1-9][0-9]{0,9})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** True when a cost is one this server will compute: N a power of two, memory and work bounded. */
function scryptCostAllowed({ N, r, p }: ScryptCost): boolean {
  if (!Number.isSafeInteger(N) || N < 2 || 2 ** Math.round(Math.log2(N)) !== N) return false;
  const memoryBytes = 128 * N * r;
  const work = N * r * p;
  return (
    memoryBytes >= passwordScryptMemoryBytesMin &&
    memoryBytes <= passwordScryptMemoryBytesMax &&
    work >= passwordScryptWorkMin &&
    work <= passwordScryptWorkMax
  );
}

assert(scryptCostAllowed(scryptCost), 'the cost of new password hashes is within the verify bounds');

function parseStoredHash(stored: string): StoredHash | undefined {
  const match = storedPattern.exec(stored);
  if (match === null) return undefined;
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (!scryptCostAllowed(cost)) return undefined;
  const salt = Buffer.from(match[4]!, 'base64url');
  const hash = Buffer.from(match[5]!, 'base64url');
  if (salt.length < passwordSaltBytesMin || salt.length > passwordSaltBytesMax) return undefined;
  if (hash.length !== hashBytes) return undefined;
  return { cost, salt, hash };
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: scryptMaxmemBytes };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, hashBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * The cost of new hashes: scryptCost, or the one OMENDB_PASSWORD_HASH_COST gives.
 * OMENDB_ERR_CONFIG_INVALID for a value that is not `N,r,p` or is outside the bounds: a server
 * and `omendb users` check it at start, so a typo fails there and not at the first login.
 */
export function newHashCost(env: NodeJS.ProcessEnv = process.env): ScryptCost {
  const text = env[passwordHashCostVariable];
  if (text === undefined || text === '') return scryptCost;
  const match = /^([1-9][0-9]{0,9}),([1-9][0-9]{0,9}),([1-9][0-9]{0,9})$/.exec(text);
  const cost = match === null ? undefined : { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (cost === undefined || !scryptCostAllowed(cost))
    throw new OmenDbError(
      'OMENDB_ERR_CONFIG_INVALID',
      `${passwordHashCostVariable} must be N,r,p with N a power of two, 128*N*r from ${passwordScryptMemoryBytesMin} to ${passwordScryptMemoryBytesMax} bytes and N*r*p from ${passwordScryptWorkMin} to ${passwordScryptWorkMax}, not ${JSON.stringify(text)}`,
      { option: passwordHashCostVariable },
    );
  return cost;
}

export async function hashPassword(password: string, cost: ScryptCost = newHashCost()): Promise<string> {
  assert(scryptCostAllowed(cost), 'the cost of a new password hash is within the verify bounds');
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, cost);
  const { N, r, p } = cost;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * True when `password` matches `stored`, at the stored parameters; false for a wrong password, a
 * malformed hash, or parameters outside the bounds (refused before any hashing).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (parsed === undefined) return false;
  const actual = await derive(password, parsed.salt, parsed.cost);
  return timingSafeEqual(actual, parsed.hash);
}

/**
 * A hash of no one's password, verified against when the user does not exist, so that an unknown
 * user costs the same time as a wrong password (at the current cost) and user names cannot be
 * probed by timing.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(18).toString('base64url'));
  return decoyHash;
}
