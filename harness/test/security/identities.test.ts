import { identitySpecs, tokenClaims } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityTokenAttemptsMax } from '../../src/limits.ts';
import { buyToken, provisionIdentities, removeUsers } from '../../src/security/identities.ts';
import { json, registryError, type ScriptedServer, startScripted } from './scripted-server.ts';

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
});

afterAll(async () => {
  await server?.close();
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const tokenFor = (name: string): string =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: name, role: 'admin', iat: 1, exp: 2 })}.c2ln`;

describe('buying a token', () => {
  it('waits while the server is busy hashing another login, then takes the token', async () => {
    let calls = 0;
    server.script((_seen, response) => {
      calls++;
      if (calls < 3) {
        response.setHeader('retry-after', '0');
        json(response, 429, registryError('OMENDB_ERR_AUTH_BUSY'));
      } else json(response, 200, { token: 'a.b.c' });
    });
    expect(await buyToken(server.client, 'Basic x')).toBe('a.b.c');
    expect(calls).toBe(3);
  });

  it('gives up on a refusal, an answer without a token, or a server busy for every attempt', async () => {
    server.script((_seen, response) => json(response, 401, registryError('OMENDB_ERR_AUTH_INVALID')));
    expect(await buyToken(server.client, 'Basic x')).toBeUndefined();
    server.script((_seen, response) => json(response, 200, { ok: true }));
    expect(await buyToken(server.client, 'Basic x')).toBeUndefined();
    let calls = 0;
    server.script((_seen, response) => {
      calls++;
      // Unreadable once (the wait falls back to a second), then no wait at all.
      response.setHeader('retry-after', calls === 1 ? 'soon' : '0');
      json(response, 429, registryError('OMENDB_ERR_AUTH_BUSY'));
    });
    expect(await buyToken(server.client, 'Basic x')).toBeUndefined();
    expect(calls).toBe(securityTokenAttemptsMax);
  });
});

describe('provisioning the identities', () => {
  it('makes the users, changes them before the role tokens, and builds all twenty headers', async () => {
    const order: string[] = [];
    server.script((seen, response) => {
      order.push(`${seen.method} ${seen.path}`);
      if (seen.path === '/v1/auth/token') {
        const [name] = Buffer.from(seen.headers.authorization!.slice(6), 'base64').toString().split(':');
        json(response, 200, { token: tokenFor(name!) });
      } else json(response, seen.method === 'POST' ? 201 : 200, { ok: true });
    });
    const ledger: string[] = [];
    const identities = await provisionIdentities(server.client, {
      admin: 'Basic admin',
      runId: 't1',
      now: 1000,
      ledger,
    });
    expect(identities.problems).toEqual([]);
    expect(identities.signedTimes).toBe(false);
    expect(identities.cells.map((cell) => cell.id)).toEqual(identitySpecs().map((spec) => spec.id));
    expect(ledger).toEqual([
      'sec-t1-admin',
      'sec-t1-writer',
      'sec-t1-reader',
      'sec-t1-monitor',
      'sec-t1-changed',
    ]);
    // Every user change comes before the first role token.
    const firstRoleToken = order.lastIndexOf('PUT /v1/users/sec-t1-changed/password') + 1;
    expect(firstRoleToken).toBeGreaterThan(0);
    expect(order.slice(firstRoleToken)).toEqual(Array.from({ length: 4 }, () => 'POST /v1/auth/token'));
    const cell = (id: string) => identities.cells.find((c) => c.id === id)!.authorization!;
    expect(identities.cells[0]).toMatchObject({ id: 'none', authorization: undefined });
    expect(cell('reader-token')).toBe(`Bearer ${tokenFor('sec-t1-reader')}`);
    expect(cell('writer-basic')).toBe(identities.users.writer.basic);
    expect(tokenClaims(cell('token-removed-user').slice(7)).sub).toBe('sec-t1-gone');
    expect(tokenClaims(cell('token-promoted-payload').slice(7))).toMatchObject({
      sub: 'sec-t1-reader',
      role: 'admin',
    });
    // Without the server's secret, the re-timed tokens keep the admin token's signature.
    expect(cell('token-expired').split('.')[2]).toBe('c2ln');
    expect(tokenClaims(cell('token-expired').slice(7))).toMatchObject({ iat: 880, exp: 940 });
    expect(await removeUsers(server.client, 'Basic admin', ledger)).toBe(5);
  });

  it('stands in for missing tokens and signs with a secret only when the server accepts it', async () => {
    server.script((seen, response) => {
      if (seen.path === '/v1/auth/token') json(response, 200, { ok: true });
      else if (seen.method === 'GET') json(response, 401, registryError('OMENDB_ERR_AUTH_INVALID'));
      else json(response, 200, { ok: true });
    });
    const identities = await provisionIdentities(server.client, {
      admin: 'Basic admin',
      runId: 't2',
      tokenSecret: new Uint8Array(32),
      now: 1000,
      ledger: [],
    });
    expect(identities.signedTimes).toBe(false);
    expect(identities.problems).toEqual([
      'no token for sec-t2-gone',
      'no token for sec-t2-changed',
      'no token for sec-t2-admin',
      'no token for sec-t2-writer',
      'no token for sec-t2-reader',
      'no token for sec-t2-monitor',
      'the admin token re-signed with the given token secret and sound times was refused',
    ]);

    server.script((seen, response) => {
      if (seen.path === '/v1/auth/token') json(response, 200, { token: tokenFor('x') });
      else json(response, 200, { ok: true });
    });
    const signed = await provisionIdentities(server.client, {
      admin: 'Basic admin',
      runId: 't3',
      tokenSecret: new Uint8Array(32).fill(7),
      now: 1000,
      ledger: [],
    });
    expect(signed.signedTimes).toBe(true);
    const expired = signed.cells.find((c) => c.id === 'token-expired')!.authorization!;
    expect(expired.split('.')[2]).not.toBe('c2ln');
  });

  it('stops when the server refuses to make a user', async () => {
    server.script((_seen, response) => json(response, 403, registryError('OMENDB_ERR_AUTH_FORBIDDEN')));
    const ledger = ['made-before'];
    await expect(
      provisionIdentities(server.client, { admin: 'Basic nope', runId: 't4', now: 1, ledger }),
    ).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_UNAVAILABLE' });
    expect(ledger).toEqual(['made-before']);
    expect(await removeUsers(server.client, 'Basic nope', ['a', 'b'])).toBe(0);
  });
});
