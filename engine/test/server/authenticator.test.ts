import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { authBusyRetryAfterSeconds, authFailuresMax, passwordHashesInFlightMax } from '../../src/limits.ts';
import { Authenticator, type Identity } from '../../src/server/authenticator.ts';
import { hashSlotsHere } from '../../src/server/hash-slots.ts';
import { AuthRateLimiter } from '../../src/server/rate-limiter.ts';
import { TokenService } from '../../src/server/tokens.ts';
import { UsersStore } from '../../src/server/users-store.ts';
import { codeOf } from '../support/codes.ts';
import { basicHeader, createServerFixture, expectRegistryError } from './server-fixture.ts';

/**
 * The Authenticator against the defects of the "server hardening" issue: failed logins counted
 * before the hash (5), hashes in flight bounded (5), and a lockout that never refuses a valid
 * token or an already verified Basic credential (6). Real scrypt, real users file, real tokens.
 */

const passwords = { alice: 'alice-password-1234', bob: 'bob-password-12345' } as const;
const secret = new TextEncoder().encode('an-authenticator-test-secret-32-bytes!');
let dir: string;
let users: UsersStore;
let tokens: TokenService;
const clockMs = 1_700_000_000_000;
let addressSeq = 0;

/** A fresh client address, so that tests never share a limiter window by accident. */
function address(): string {
  addressSeq++;
  return `192.0.2.${addressSeq}`;
}

function authenticator(limiter = new AuthRateLimiter(() => clockMs)): Authenticator {
  return new Authenticator(users, tokens, limiter);
}

async function bearerFor(name: 'alice' | 'bob'): Promise<string> {
  const user = users.get(name)!;
  return `Bearer ${(await tokens.issue(user.name, user.role, user.credentialId)).token}`;
}

/** Each promise's outcome in the order they settled: a registry code, or 'ok'. */
async function settleInOrder(promises: Promise<Identity | null>[]): Promise<string[]> {
  const order: string[] = [];
  await Promise.all(
    promises.map((promise) =>
      promise.then(
        () => order.push('ok'),
        (error: unknown) => order.push(isOmenDbError(error) ? error.code : `unexpected: ${String(error)}`),
      ),
    ),
  );
  return order;
}

function count(codes: readonly string[], code: string): number {
  return codes.filter((c) => c === code).length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-authenticator-'));
  users = await UsersStore.open(dir);
  await users.add('alice', 'admin', passwords.alice);
  await users.add('bob', 'reader', passwords.bob);
  tokens = new TokenService(secret, 900);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Authenticator: failed logins are counted before the hash (defect 5)', () => {
  it('hashes at most authFailuresMax of 40 concurrent wrong passwords from one address; the rest get 429 at once', async () => {
    const auth = authenticator();
    const client = address();
    const codes = await settleInOrder(
      Array.from({ length: 40 }, (_, i) =>
        auth.authenticate(basicHeader('alice', `wrong-password-${i}`), client),
      ),
    );
    const hashed = count(codes, 'OMENDB_ERR_AUTH_INVALID');
    const refused = count(codes, 'OMENDB_ERR_AUTH_RATE_LIMITED') + count(codes, 'OMENDB_ERR_AUTH_BUSY');
    expect(hashed + refused, codes.join(',')).toBe(40);
    expect(hashed, 'wrong passwords that reached scrypt').toBeLessThanOrEqual(authFailuresMax);
    expect(refused).toBeGreaterThanOrEqual(40 - authFailuresMax);
  });

  it('bounds the hashes in flight: concurrent logins past passwordHashesInFlightMax get OMENDB_ERR_AUTH_BUSY before any hash ends', async () => {
    const auth = authenticator();
    // Six addresses, one wrong password each: the failure limits are far away, only hashes count.
    const codes = await settleInOrder(
      Array.from({ length: 6 }, (_, i) => auth.authenticate(basicHeader('bob', `not-bob-${i}`), address())),
    );
    expect(count(codes, 'OMENDB_ERR_AUTH_INVALID'), codes.join(',')).toBeLessThanOrEqual(
      passwordHashesInFlightMax,
    );
    expect(count(codes, 'OMENDB_ERR_AUTH_INVALID'), 'one hash per slot').toBe(hashSlotsHere());
    expect(count(codes, 'OMENDB_ERR_AUTH_BUSY')).toBeGreaterThanOrEqual(6 - passwordHashesInFlightMax);
    // Refused at once: every busy answer came before the first hash finished.
    const firstHashed = codes.indexOf('OMENDB_ERR_AUTH_INVALID');
    expect(codes.slice(0, firstHashed).every((code) => code === 'OMENDB_ERR_AUTH_BUSY')).toBe(true);
    expect(codes.slice(firstHashed).includes('OMENDB_ERR_AUTH_BUSY')).toBe(false);
  });

  it('tells a busy login when to retry, and does not count it as a failure', async () => {
    // Limits of one failure per address and per name: a busy login counted as a failure would
    // leave its address and name limited.
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 1, 60_000, 1));
    const attempts = Array.from({ length: passwordHashesInFlightMax + 1 }, (_, i) => ({
      header: basicHeader(`ghost-${i}`, 'any-password-at-all'),
      client: address(),
    }));
    const results = await Promise.allSettled(
      attempts.map(({ header, client }) => auth.authenticate(header, client)),
    );
    const busyIndex = results.findIndex(
      (result) => result.status === 'rejected' && isOmenDbError(result.reason, 'OMENDB_ERR_AUTH_BUSY'),
    );
    expect(busyIndex, 'one login past the bound is refused busy').toBeGreaterThanOrEqual(0);
    const reason = (results[busyIndex] as PromiseRejectedResult).reason as {
      details?: { retryAfterSeconds?: number };
    };
    expect(reason.details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const { header, client } = attempts[busyIndex]!;
    expect(await codeOf(auth.authenticate(header, client))).toBe('OMENDB_ERR_AUTH_INVALID');
  });
});

describe('Authenticator: concurrent checks of one header', () => {
  it('share one hash: more identical uncached logins than hash slots all succeed, none is refused busy', async () => {
    const auth = authenticator();
    const header = basicHeader('bob', passwords.bob);
    const identities = await Promise.all(
      Array.from({ length: passwordHashesInFlightMax + 3 }, () => auth.authenticate(header, address())),
    );
    for (const identity of identities)
      expect(identity).toEqual({ name: 'bob', role: 'reader', via: 'basic' });
  });

  it('share a failure too: each identical wrong login counts as an attempt of its own', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 3));
    const client = address();
    const header = basicHeader('bob', 'the-same-wrong-password');
    const codes = await settleInOrder(Array.from({ length: 5 }, () => auth.authenticate(header, client)));
    expect(count(codes, 'OMENDB_ERR_AUTH_INVALID'), codes.join(',')).toBe(3);
    expect(count(codes, 'OMENDB_ERR_AUTH_RATE_LIMITED')).toBe(2);
  });
});

describe('Authenticator: the lockout never blocks valid credentials (defect 6)', () => {
  it('accepts a valid token from an address limited by failures', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 2));
    const client = address();
    for (let i = 0; i < 2; i++)
      expect(await codeOf(auth.authenticate(basicHeader('alice', `wrong-${i}-password`), client))).toBe(
        'OMENDB_ERR_AUTH_INVALID',
      );
    expect(await codeOf(auth.authenticate(basicHeader('alice', 'wrong-again-password'), client))).toBe(
      'OMENDB_ERR_AUTH_RATE_LIMITED',
    );
    const identity = await auth.authenticate(await bearerFor('alice'), client);
    expect(identity).toEqual({ name: 'alice', role: 'admin', via: 'token' });
    // The decision documented in authenticator.ts: the right password, not yet verified, from the
    // limited address waits like a guess (telling them apart takes the hash the limit withholds).
    expect(await codeOf(auth.authenticate(basicHeader('alice', passwords.alice), client))).toBe(
      'OMENDB_ERR_AUTH_RATE_LIMITED',
    );
    expect(await auth.authenticate(basicHeader('alice', passwords.alice), address())).toEqual({
      name: 'alice',
      role: 'admin',
      via: 'basic',
    });
  });

  it('accepts a Basic credential it already verified, from a limited address and for a limited name', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 2, 60_000, 3));
    const valid = basicHeader('bob', passwords.bob);
    expect(await auth.authenticate(valid, address())).toEqual({ name: 'bob', role: 'reader', via: 'basic' });
    const client = address();
    for (let i = 0; i < 2; i++)
      await codeOf(auth.authenticate(basicHeader('bob', `wrong-${i}-password`), client));
    await codeOf(auth.authenticate(basicHeader('bob', 'wrong-2-password'), address()));
    expect(await codeOf(auth.authenticate(basicHeader('bob', 'wrong-3-password'), address()))).toBe(
      'OMENDB_ERR_AUTH_RATE_LIMITED',
    );
    expect(await auth.authenticate(valid, client)).toEqual({ name: 'bob', role: 'reader', via: 'basic' });
  });

  it('limits failures per user name across addresses: the name gets 429 from a fresh address, other names do not', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 100, 60_000, 3));
    for (let i = 0; i < 3; i++)
      expect(await codeOf(auth.authenticate(basicHeader('alice', `guess-${i}-password`), address()))).toBe(
        'OMENDB_ERR_AUTH_INVALID',
      );
    const fresh = address();
    // Even the right password, not yet verified: telling it from a guess needs the hash.
    expect(await codeOf(auth.authenticate(basicHeader('alice', passwords.alice), fresh))).toBe(
      'OMENDB_ERR_AUTH_RATE_LIMITED',
    );
    expect(await auth.authenticate(basicHeader('bob', passwords.bob), fresh)).toEqual({
      name: 'bob',
      role: 'reader',
      via: 'basic',
    });
    expect(await auth.authenticate(await bearerFor('alice'), fresh)).toEqual({
      name: 'alice',
      role: 'admin',
      via: 'token',
    });
  });

  it('counts failed tokens against the address, never valid ones', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 2));
    const client = address();
    const good = await bearerFor('bob');
    for (let i = 0; i < 5; i++) expect(await auth.authenticate(good, client)).not.toBeNull();
    for (let i = 0; i < 2; i++)
      expect(await codeOf(auth.authenticate(`${good.slice(0, -6)}AAAAAA`, client))).toBe(
        'OMENDB_ERR_AUTH_INVALID',
      );
    expect(await codeOf(auth.authenticate(basicHeader('bob', passwords.bob), client))).toBe(
      'OMENDB_ERR_AUTH_RATE_LIMITED',
    );
    expect(await auth.authenticate(good, client)).toEqual({ name: 'bob', role: 'reader', via: 'token' });
  });
});

describe('Authenticator: other credentials', () => {
  it('answers no credentials with null; an unsupported scheme and malformed Basic are refused and counted', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 2));
    const client = address();
    expect(await auth.authenticate(undefined, client)).toBeNull();
    expect(await auth.authenticate('', client)).toBeNull();
    expect(await codeOf(auth.authenticate('Digest username="alice"', client))).toBe(
      'OMENDB_ERR_AUTH_INVALID',
    );
    const noColon = `Basic ${Buffer.from('no-colon-here').toString('base64')}`;
    expect(await codeOf(auth.authenticate(noColon, client))).toBe('OMENDB_ERR_AUTH_INVALID');
    expect(await codeOf(auth.authenticate(basicHeader('alice', passwords.alice), client))).toBe(
      'OMENDB_ERR_AUTH_RATE_LIMITED',
    );
  });

  it('ends cached Basic credentials and tokens when the user changes, here or in another process', async () => {
    const auth = authenticator(new AuthRateLimiter(() => clockMs, 100));
    await users.add('carol', 'writer', 'carol-password-1234');
    const header = basicHeader('carol', 'carol-password-1234');
    const bearer = `Bearer ${(await tokens.issue('carol', 'writer', users.get('carol')!.credentialId)).token}`;
    const client = address();
    expect(await auth.authenticate(header, client)).toMatchObject({ name: 'carol', via: 'basic' });
    expect(await auth.authenticate(bearer, client)).toMatchObject({ name: 'carol', via: 'token' });
    await users.setPassword('carol', 'carol-password-5678');
    expect(await codeOf(auth.authenticate(header, client))).toBe('OMENDB_ERR_AUTH_INVALID');
    expect(await codeOf(auth.authenticate(bearer, client))).toBe('OMENDB_ERR_AUTH_INVALID');
    // Another process removes her: this server sees it within usersReloadIntervalMs.
    const renewed = basicHeader('carol', 'carol-password-5678');
    expect(await auth.authenticate(renewed, client)).toMatchObject({ name: 'carol', via: 'basic' });
    const other = await UsersStore.open(dir);
    await other.remove('carol');
    const deadline = Date.now() + 10_000;
    let code: string | undefined;
    while (Date.now() < deadline) {
      code = await codeOf(auth.authenticate(renewed, client));
      if (code !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(code).toBe('OMENDB_ERR_AUTH_INVALID');
    await users.reload();
  });
});

describe('Authenticator over HTTP', () => {
  it('answers a login refused as busy with 429 OMENDB_ERR_AUTH_BUSY and a retry-after, like a rate limit', async () => {
    const fixture = await createServerFixture();
    try {
      const responses = await Promise.all(
        Array.from({ length: hashSlotsHere() + 2 }, (_, i) =>
          fixture.inject({
            method: 'GET',
            url: '/v1/series',
            headers: { authorization: fixture.basic('reader', `not-the-password-${i}`) },
            remoteAddress: address(),
          }),
        ),
      );
      const busy = responses.filter((response) => response.statusCode === 429);
      expect(busy).toHaveLength(2);
      for (const response of busy) {
        expectRegistryError(response, 'OMENDB_ERR_AUTH_BUSY', fixture);
        expect(response.headers['retry-after']).toBe(String(authBusyRetryAfterSeconds));
      }
    } finally {
      await fixture.close();
    }
  });
});
