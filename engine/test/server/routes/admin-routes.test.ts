import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersStore } from '../../../src/server/users-store.ts';
import { createServerFixture, expectRegistryError, type ServerFixture } from '../server-fixture.ts';

/**
 * The user routes under overlapping changes: every change that was answered with success is in
 * the users file afterwards, and nothing that was removed comes back (issue: lost user updates).
 */

let fixture: ServerFixture;
/** Each login attempt from its own address, so that expected failures never reach the rate limit. */
let client = 0;
const nextClient = (): string => `127.0.1.${++client}`;

beforeAll(async () => {
  fixture = await createServerFixture();
});

afterAll(async () => {
  await fixture?.close();
});

function adminRequest(method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: unknown) {
  return fixture.inject({
    method,
    url,
    headers: { authorization: fixture.basicFor('admin') },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

async function listedNames(): Promise<string[]> {
  const response = await adminRequest('GET', '/v1/users');
  expect(response.statusCode).toBe(200);
  return (response.json() as { users: { name: string }[] }).users.map((user) => user.name);
}

/** What a fresh reader of the users file sees: the server's memory could hide a lost write. */
async function namesOnDisk(): Promise<string[]> {
  return (await UsersStore.open(fixture.dir)).list().map((user) => user.name);
}

async function loginStatus(name: string, password: string): Promise<number> {
  const response = await fixture.inject({
    method: 'POST',
    url: '/v1/auth/token',
    headers: { authorization: fixture.basic(name, password) },
    remoteAddress: nextClient(),
  });
  if (response.statusCode !== 200) expectRegistryError(response, 'OMENDB_ERR_AUTH_INVALID', fixture);
  return response.statusCode;
}

describe('user routes serialize changes to the users file', () => {
  it('a password change then a delete 5 ms later: the user is gone and cannot log in', async () => {
    // Three rounds: one lucky interleaving must not be what makes this pass.
    for (let round = 0; round < 3; round++) {
      const name = `target-${round}`;
      const first = `${name}-first-password`;
      const second = `${name}-second-password`;
      expect(
        (await adminRequest('POST', '/v1/users', { name, role: 'reader', password: first })).statusCode,
      ).toBe(201);
      const change = adminRequest('PUT', `/v1/users/${name}/password`, { password: second });
      await sleep(5);
      const remove = adminRequest('DELETE', `/v1/users/${name}`);
      const [changed, removed] = await Promise.all([change, remove]);
      expect(removed.statusCode, removed.body).toBe(200);
      // Either order is a correct serialization: the change landed first (200), or it found the
      // user already removed (404). What may never happen is the removed user coming back.
      if (changed.statusCode !== 200) expectRegistryError(changed, 'OMENDB_ERR_USERS_NOT_FOUND', fixture);
      expect(await listedNames()).not.toContain(name);
      expect(await namesOnDisk()).not.toContain(name);
      expect(await loginStatus(name, second)).toBe(401);
      expect(await loginStatus(name, first)).toBe(401);
    }
  });

  it('8 concurrent adds: all answered 201 and all 8 users exist, in memory and on disk', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `concurrent-${i}`);
    const responses = await Promise.all(
      names.map((name) =>
        adminRequest('POST', '/v1/users', { name, role: 'writer', password: `${name}-password` }),
      ),
    );
    for (const response of responses) expect(response.statusCode, response.body).toBe(201);
    const listed = await listedNames();
    const onDisk = await namesOnDisk();
    for (const name of names) {
      expect(listed).toContain(name);
      expect(onDisk).toContain(name);
    }
    // Each added user logs in with the password it was given (two of them: scrypt is slow).
    for (const name of names.slice(0, 2)) expect(await loginStatus(name, `${name}-password`)).toBe(200);
  });

  it('concurrent password changes, adds and removes: the file ends as some serial order of them', async () => {
    const keep = 'mixed-keep';
    const drop = 'mixed-drop';
    for (const name of [keep, drop])
      expect(
        (await adminRequest('POST', '/v1/users', { name, role: 'reader', password: `${name}-password-0` }))
          .statusCode,
      ).toBe(201);
    const results = await Promise.all([
      adminRequest('PUT', `/v1/users/${keep}/password`, { password: `${keep}-password-1` }),
      adminRequest('DELETE', `/v1/users/${drop}`),
      adminRequest('POST', '/v1/users', {
        name: 'mixed-new',
        role: 'monitor',
        password: 'mixed-new-password',
      }),
      adminRequest('PUT', `/v1/users/${drop}/password`, { password: `${drop}-password-1` }),
    ]);
    expect(results.map((response) => response.statusCode).slice(0, 3)).toEqual([200, 200, 201]);
    const onDisk = await namesOnDisk();
    expect(onDisk).toContain(keep);
    expect(onDisk).toContain('mixed-new');
    expect(onDisk).not.toContain(drop);
    expect(await loginStatus(keep, `${keep}-password-1`)).toBe(200);
    expect(await loginStatus(drop, `${drop}-password-1`)).toBe(401);
  });
});
