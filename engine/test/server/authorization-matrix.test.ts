import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../../src/errors.ts';
import { authFailuresMax, authFailureWindowMs } from '../../src/limits.ts';
import type { Access, Role } from '../../src/server/roles.ts';
import { expectedAnswer } from '../../src/testing/access-rules.ts';
import { invalidCredentials, resignedToken } from '../../src/testing/forged-tokens.ts';
import { type IdentitySpec, identitySpecs } from '../../src/testing/identity-kinds.ts';
import {
  createServerFixture,
  expectRegistryError,
  fixtureRoles,
  type ServerFixture,
} from './server-fixture.ts';

/**
 * Every route x every kind of caller, each cell checked for its exact status and code. The
 * callers and the expected answer come from the tables the harness's security scenario uses too
 * (src/testing: identity-kinds, forged-tokens, access-rules), written independently of roles.ts.
 */

type Caller = IdentitySpec & { readonly authorization: string | undefined };

interface RouteCase {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** The route pattern, as in the OpenAPI document (`{param}`). */
  readonly pattern: string;
  readonly access: Access;
  readonly success: number;
  /** The concrete request; `allowed` says whether the rule table lets this caller through. */
  readonly request: (allowed: boolean) => Pick<InjectOptions, 'url' | 'payload'>;
}

const seedSeries = 'seed';
const newUserPassword = 'matrix-new-user-pw-1';
const hijackPassword = 'hijacked-password-0';
let userSeq = 0;
let writeSeq = 0;
/** Users the allowed DELETE /v1/users/:name cells remove, one per cell. */
const victims: string[] = [];
/** Names POST /v1/users created: allowed cells only. */
const createdUsers: string[] = [];

const getRoutes: RouteCase[] = [
  { method: 'GET', pattern: '/ready', access: 'public', success: 200, request: () => ({ url: '/ready' }) },
  { method: 'GET', pattern: '/status', access: 'public', success: 200, request: () => ({ url: '/status' }) },
  {
    method: 'GET',
    pattern: '/openapi.json',
    access: 'public',
    success: 200,
    request: () => ({ url: '/openapi.json' }),
  },
  { method: 'GET', pattern: '/health', access: 'monitor', success: 200, request: () => ({ url: '/health' }) },
  {
    method: 'GET',
    pattern: '/metrics',
    access: 'monitor',
    success: 200,
    request: () => ({ url: '/metrics' }),
  },
  {
    method: 'GET',
    pattern: '/v1/series',
    access: 'read',
    success: 200,
    request: () => ({ url: '/v1/series' }),
  },
  {
    method: 'GET',
    pattern: '/v1/series/{series}/points',
    access: 'read',
    success: 200,
    request: () => ({ url: `/v1/series/${seedSeries}/points?from=0&to=100` }),
  },
  {
    method: 'GET',
    pattern: '/v1/series/{series}/points/{key}',
    access: 'read',
    success: 200,
    request: () => ({ url: `/v1/series/${seedSeries}/points/1` }),
  },
  {
    method: 'GET',
    pattern: '/v1/series/{series}/aggregate',
    access: 'read',
    success: 200,
    request: () => ({ url: `/v1/series/${seedSeries}/aggregate?fn=count,sum&bucket=10` }),
  },
  {
    method: 'GET',
    pattern: '/v1/users',
    access: 'admin',
    success: 200,
    request: () => ({ url: '/v1/users' }),
  },
];

const routes: RouteCase[] = [
  ...getRoutes,
  // Fastify answers HEAD for every GET route: the same hook guards it.
  ...getRoutes.map((route) => ({ ...route, method: 'HEAD' as const })),
  {
    method: 'POST',
    pattern: '/v1/auth/token',
    access: 'user',
    success: 200,
    request: () => ({ url: '/v1/auth/token' }),
  },
  {
    method: 'POST',
    pattern: '/v1/series/{series}/points',
    access: 'write',
    success: 200,
    request: () => ({ url: '/v1/series/matrix/points', payload: { points: [[++writeSeq, 1.5]] } }),
  },
  {
    method: 'DELETE',
    pattern: '/v1/series/{series}/points',
    access: 'write',
    success: 200,
    request: () => ({ url: '/v1/series/scratch/points?from=0&to=10' }),
  },
  {
    method: 'DELETE',
    pattern: '/v1/series/{series}',
    access: 'write',
    success: 200,
    request: () => ({ url: '/v1/series/scratch' }),
  },
  {
    method: 'POST',
    pattern: '/v1/admin/checkpoint',
    access: 'admin',
    success: 200,
    request: () => ({ url: '/v1/admin/checkpoint' }),
  },
  {
    method: 'POST',
    pattern: '/v1/admin/compact',
    access: 'admin',
    success: 200,
    request: () => ({ url: '/v1/admin/compact' }),
  },
  {
    method: 'POST',
    pattern: '/v1/admin/backup',
    access: 'admin',
    success: 200,
    request: () => ({ url: '/v1/admin/backup' }),
  },
  {
    method: 'POST',
    pattern: '/v1/users',
    access: 'admin',
    success: 201,
    request: (allowed) => {
      const name = `matrix-user-${++userSeq}`;
      if (allowed) createdUsers.push(name);
      return { url: '/v1/users', payload: { name, role: 'admin', password: newUserPassword } };
    },
  },
  {
    method: 'DELETE',
    pattern: '/v1/users/{name}',
    access: 'admin',
    success: 200,
    // A refused caller aims at a real user, who must survive.
    request: (allowed) => ({ url: `/v1/users/${allowed ? victims.shift() : 'reader'}` }),
  },
  {
    method: 'PUT',
    pattern: '/v1/users/{name}/password',
    access: 'admin',
    success: 200,
    // A refused caller tries to take over the writer: its password must not change.
    request: (allowed) => ({
      url: `/v1/users/${allowed ? 'pw-target' : 'writer'}/password`,
      payload: { password: hijackPassword },
    }),
  },
];

function expected(route: RouteCase, caller: Caller): { status: number; code?: ErrorCode } {
  const answer = expectedAnswer(route.access, caller);
  return answer.status === 'success' ? { status: route.success } : answer;
}

/** A distinct client address per request, so failed cells never add up to the rate limit. */
let clientSeq = 0;
function nextClient(): string {
  clientSeq++;
  return `10.${(clientSeq >> 16) & 255}.${(clientSeq >> 8) & 255}.${clientSeq & 255}`;
}

/** GET /v1/series with these headers, from a fresh client, is refused as bad credentials. */
async function expectRefusedListing(headers: Record<string, string>): Promise<void> {
  const response = await fixture.inject({
    method: 'GET',
    url: '/v1/series',
    headers,
    remoteAddress: nextClient(),
  });
  expectRegistryError(response, 'OMENDB_ERR_AUTH_INVALID', fixture);
}

let fixture: ServerFixture;
let clockMs = Date.now();
const callers: Caller[] = [];

beforeAll(async () => {
  fixture = await createServerFixture({ rateLimiterNow: () => clockMs });
  const { users } = fixture.context;
  const seed = await fixture.inject({
    method: 'POST',
    url: `/v1/series/${seedSeries}/points`,
    headers: { authorization: fixture.basicFor('writer') },
    payload: {
      points: [
        [1, 10],
        [2, 20],
        [3, 30],
      ],
    },
  });
  expect(seed.statusCode).toBe(200);

  const adminCells = 2; // admin via Basic and via a token
  for (let i = 0; i < adminCells; i++) {
    const name = `victim-${i}`;
    await users.add(name, 'reader', 'victim-password-1');
    victims.push(name);
  }
  await users.add('pw-target', 'reader', 'pw-target-password-1');
  await users.add('gone', 'admin', 'gone-password-123');
  await users.add('changed', 'admin', 'changed-password-1');

  // One at a time: uncached logins past passwordHashesInFlightMax at once get AUTH_BUSY.
  const tokens = {} as Record<Role, string>;
  for (const role of fixtureRoles) tokens[role] = await fixture.tokenFor(role);
  const goneToken = await fixture.tokenWith('gone', 'gone-password-123');
  const changedToken = await fixture.tokenWith('changed', 'changed-password-1');
  await users.remove('gone');
  await users.setPassword('changed', 'changed-password-2');

  const now = Math.floor(Date.now() / 1000);
  // Control: the admin token re-signed with a sound iat and exp is accepted, so the expired and
  // future-dated tokens below (the same, re-signed with other times) are refused for their times alone.
  const sound = await resignedToken(tokens.admin, fixture.jwtSecret, { iat: now, exp: now + 60 });
  const control = await fixture.inject({
    method: 'GET',
    url: '/v1/users',
    headers: { authorization: `Bearer ${sound}` },
  });
  expect(control.statusCode).toBe(200);
  const invalid = await invalidCredentials({
    wrongPassword: { name: 'admin', password: 'not-the-admin-password' },
    unknownUser: 'nobody',
    adminToken: tokens.admin,
    lowerToken: tokens.reader,
    removedUserToken: goneToken,
    changedPasswordToken: changedToken,
    signingSecret: fixture.jwtSecret,
    now,
  });
  for (const identity of identitySpecs()) {
    const authorization =
      identity.kind === 'none'
        ? undefined
        : identity.kind === 'invalid'
          ? invalid[identity.id]
          : identity.via === 'basic'
            ? fixture.basicFor(identity.role)
            : `Bearer ${tokens[identity.role]}`;
    callers.push({ ...identity, authorization });
  }
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('authorization matrix', () => {
  it('lists every route the server has', async () => {
    const document = (await fixture.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { 'x-omendb-access': string }>>;
    };
    const served = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, operation]) => `${method.toUpperCase()} ${path} ${operation['x-omendb-access']}`,
      ),
    );
    const listed = routes
      .filter((route) => route.method !== 'HEAD')
      .map((r) => `${r.method} ${r.pattern} ${r.access}`);
    expect(listed.sort()).toEqual(served.sort());
    for (const route of routes)
      expect(
        fixture.app.hasRoute({ method: route.method, url: route.pattern.replace(/\{(\w+)\}/g, ':$1') }),
      ).toBe(true);
  });

  it('answers every route x caller cell with its exact status and code', async () => {
    const started = performance.now();
    console.log(
      `authorization matrix: ${routes.length} routes x ${callers.length} identities = ${routes.length * callers.length} cells`,
    );
    const failures: string[] = [];
    for (const route of routes) {
      for (const caller of callers) {
        const want = expected(route, caller);
        const { url, payload } = route.request(want.code === undefined);
        const response: LightMyRequestResponse = await fixture.inject({
          method: route.method,
          url: url!,
          ...(payload === undefined ? {} : { payload }),
          headers: caller.authorization === undefined ? {} : { authorization: caller.authorization },
          remoteAddress: nextClient(),
        });
        const cell = `${route.method} ${url} as ${caller.name}`;
        const got =
          route.method === 'HEAD' || response.statusCode < 400
            ? undefined
            : JSON.parse(response.body).error?.code;
        if (response.statusCode !== want.status || (route.method !== 'HEAD' && got !== want.code)) {
          failures.push(
            `${cell}: want ${want.status} ${want.code ?? ''}, got ${response.statusCode} ${got ?? ''}`,
          );
          continue;
        }
        if (want.code !== undefined && route.method !== 'HEAD')
          expectRegistryError(response, want.code, fixture);
        if (want.status === 401) expect(response.headers['www-authenticate'], cell).toMatch(/^Basic /);
      }
    }
    expect(failures).toEqual([]);
    console.log(`authorization matrix took ${Math.round(performance.now() - started)} ms`);
  });

  it('let no refused caller change users or data', async () => {
    const names = fixture.context.users.list().map((user) => user.name);
    expect(names.sort()).toEqual(
      ['admin', 'changed', 'monitor', 'pw-target', 'reader', 'writer', ...createdUsers].sort(),
    );
    expect(createdUsers).toHaveLength(2);
    expect(victims).toEqual([]);
    // The writer's password is unchanged (its Basic header is checked again after the users
    // file changed), and the hijack password does not work.
    const writer = await fixture.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { authorization: fixture.basicFor('writer') },
    });
    expect(writer.statusCode).toBe(200);
    await expectRefusedListing({ authorization: fixture.basic('writer', hijackPassword) });
    const seed = await fixture.inject({
      method: 'GET',
      url: `/v1/series/${seedSeries}/points`,
      headers: { authorization: fixture.basicFor('reader') },
    });
    expect(seed.json()).toEqual({
      points: [
        [1, 10],
        [2, 20],
        [3, 30],
      ],
      next: null,
    });
    // Two writes per allowed caller (writer and admin, Basic and token) and no others.
    const matrix = await fixture.inject({
      method: 'GET',
      url: '/v1/series/matrix/aggregate?fn=count',
      headers: { authorization: fixture.basicFor('reader') },
    });
    expect(matrix.json()).toEqual({ buckets: [{ start: expect.anything(), count: 4 }] });
  });
});

describe('auth rate limit', () => {
  it(`answers 429 after ${authFailuresMax} failures from one client to a password not yet verified, never to a verified credential or a token; others are unaffected`, async () => {
    const attacker = '203.0.113.7';
    const bystander = '203.0.113.8';
    const wrong = fixture.basic('reader', 'wrong-password-for-rate');
    const right = fixture.basicFor('reader');
    // The right credentials under other spellings of the scheme: headers not yet verified.
    const unverified = right.replace(/^Basic /, 'basic ');
    const unverifiedElsewhere = right.replace(/^Basic /, 'BASIC ');
    const verify = await fixture.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { authorization: right },
      remoteAddress: bystander,
    });
    expect(verify.statusCode).toBe(200);
    for (let i = 0; i < authFailuresMax; i++) {
      const response = await fixture.inject({
        method: 'GET',
        url: '/v1/series',
        headers: { authorization: wrong },
        remoteAddress: attacker,
      });
      expectRegistryError(response, 'OMENDB_ERR_AUTH_INVALID', fixture);
    }
    for (const authorization of [wrong, unverified]) {
      const limited = await fixture.inject({
        method: 'GET',
        url: '/v1/series',
        headers: { authorization },
        remoteAddress: attacker,
      });
      expectRegistryError(limited, 'OMENDB_ERR_AUTH_RATE_LIMITED', fixture);
      const retryAfter = limited.headers['retry-after'];
      expect(retryAfter).toMatch(/^[0-9]+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(authFailureWindowMs / 1000);
    }
    // A credential already verified and a token cost no hash: the limit never refuses them.
    for (const authorization of [right, `Bearer ${await fixture.tokenFor('reader')}`]) {
      const response = await fixture.inject({
        method: 'GET',
        url: '/v1/series',
        headers: { authorization },
        remoteAddress: attacker,
      });
      expect(response.statusCode, authorization.split(' ')[0]).toBe(200);
    }
    // Public routes stay open to the limited client; the other client is not limited.
    expect((await fixture.inject({ method: 'GET', url: '/ready', remoteAddress: attacker })).statusCode).toBe(
      200,
    );
    const other = await fixture.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { authorization: unverifiedElsewhere },
      remoteAddress: bystander,
    });
    expect(other.statusCode).toBe(200);
    // The window ends: the password not yet verified works again from the limited client.
    clockMs += authFailureWindowMs;
    const after = await fixture.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { authorization: unverified },
      remoteAddress: attacker,
    });
    expect(after.statusCode).toBe(200);
  });
});

describe('tokens', () => {
  const admin = () => ({ authorization: fixture.basicFor('admin') });

  it('stops working at once when its user is removed', async () => {
    const password = 'revoke-me-password-1';
    const created = await fixture.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin(),
      payload: { name: 'revoke-me', role: 'writer', password },
    });
    expect(created.statusCode).toBe(201);
    const bearer = { authorization: `Bearer ${await fixture.tokenWith('revoke-me', password)}` };
    expect((await fixture.inject({ method: 'GET', url: '/v1/series', headers: bearer })).statusCode).toBe(
      200,
    );
    const removed = await fixture.inject({ method: 'DELETE', url: '/v1/users/revoke-me', headers: admin() });
    expect(removed.statusCode).toBe(200);
    await expectRefusedListing(bearer);
    await expectRefusedListing({ authorization: fixture.basic('revoke-me', password) });
  });

  it("stops working at once when its user's password changes; the new password buys a new one", async () => {
    const password = 'rotate-me-password-1';
    const next = 'rotate-me-password-2';
    await fixture.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin(),
      payload: { name: 'rotate-me', role: 'reader', password },
    });
    const bearer = { authorization: `Bearer ${await fixture.tokenWith('rotate-me', password)}` };
    expect((await fixture.inject({ method: 'GET', url: '/v1/series', headers: bearer })).statusCode).toBe(
      200,
    );
    const changed = await fixture.inject({
      method: 'PUT',
      url: '/v1/users/rotate-me/password',
      headers: admin(),
      payload: { password: next },
    });
    expect(changed.statusCode).toBe(200);
    await expectRefusedListing(bearer);
    await expectRefusedListing({ authorization: fixture.basic('rotate-me', password) });
    const fresh = { authorization: `Bearer ${await fixture.tokenWith('rotate-me', next)}` };
    expect((await fixture.inject({ method: 'GET', url: '/v1/series', headers: fresh })).statusCode).toBe(200);
  });

  it('are bought with Basic only, never with a token', async () => {
    const basic = await fixture.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { authorization: fixture.basicFor('monitor') },
    });
    expect(basic.statusCode).toBe(200);
    const issued = basic.json() as { token: string; tokenType: string; expiresIn: number; role: string };
    expect(issued).toEqual({
      token: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: fixture.config.tokenTtlSeconds,
      role: 'monitor',
    });
    const renewed = await fixture.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { authorization: `Bearer ${issued.token}` },
      remoteAddress: nextClient(),
    });
    expectRegistryError(renewed, 'OMENDB_ERR_AUTH_INVALID', fixture);
  });

  it('expire after tokenTtlSeconds', async () => {
    const bearer = { authorization: `Bearer ${await fixture.tokenFor('reader')}` };
    expect((await fixture.inject({ method: 'GET', url: '/v1/series', headers: bearer })).statusCode).toBe(
      200,
    );
    vi.useFakeTimers({ now: Date.now() + (fixture.config.tokenTtlSeconds + 1) * 1000, toFake: ['Date'] });
    await expectRefusedListing(bearer);
  });
});
