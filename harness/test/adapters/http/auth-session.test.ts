import { afterEach, describe, expect, it } from 'vitest';
import { AuthSession, basicHeader, credentialsFromEnv } from '../../../src/adapters/http/auth-session.ts';
import { HttpClient } from '../../../src/adapters/http/http-client.ts';
import { tokenAttemptsMax, tokenRefreshMarginMs } from '../../../src/limits.ts';
import { type FakeServer, sendJson, startFakeServer } from './fake-server.ts';

const usage = expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_USAGE' });
let server: FakeServer | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  server = undefined;
  client = undefined;
});

/** A token endpoint that answers with `answers` in turn (the last one repeats) and counts its calls. */
async function tokenServer(answers: readonly (readonly [number, unknown])[]) {
  const seen: (string | undefined)[] = [];
  server = await startFakeServer((request, response) => {
    seen.push(request.headers.authorization);
    const [status, body] = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    // A token endpoint answers slowly (a password hash): concurrent askers must share one answer.
    setTimeout(() => sendJson(response, status, body), 20);
  });
  client = new HttpClient({ url: server.url, timeoutMs: 5_000 });
  return { seen, client };
}

describe('credentialsFromEnv', () => {
  it('reads a user and password, or a token, or nothing', () => {
    expect(credentialsFromEnv({ OMENDB_HARNESS_USER: 'u', OMENDB_HARNESS_PASSWORD: 'p' })).toEqual({
      kind: 'password',
      user: 'u',
      password: 'p',
    });
    expect(credentialsFromEnv({ OMENDB_HARNESS_TOKEN: 't' })).toEqual({ kind: 'token', token: 't' });
    expect(credentialsFromEnv({ OMENDB_HARNESS_USER: '', OMENDB_HARNESS_TOKEN: '' })).toEqual({
      kind: 'none',
    });
  });

  it('refuses half a password pair, or both kinds', () => {
    expect(() => credentialsFromEnv({ OMENDB_HARNESS_PASSWORD: 'p' })).toThrow(usage);
    expect(() =>
      credentialsFromEnv({
        OMENDB_HARNESS_TOKEN: 't',
        OMENDB_HARNESS_USER: 'u',
        OMENDB_HARNESS_PASSWORD: 'p',
      }),
    ).toThrow(usage);
  });
});

describe('AuthSession', () => {
  it('buys one token with the password for concurrent requests, and renews it before it expires', async () => {
    const { seen, client } = await tokenServer([
      [200, { token: 'one', tokenType: 'Bearer', expiresIn: 900, role: 'admin' }],
      [200, { token: 'two', tokenType: 'Bearer', expiresIn: 900, role: 'admin' }],
    ]);
    let now = 1_000_000;
    const session = new AuthSession({ kind: 'password', user: 'admin', password: 'pw' }, () => now);
    const headers = await Promise.all([1, 2, 3].map(() => session.authorization(client)));
    expect(headers).toEqual(['Bearer one', 'Bearer one', 'Bearer one']);
    expect(seen).toEqual([basicHeader('admin', 'pw')]);
    now += 900_000 - tokenRefreshMarginMs - 1;
    expect(await session.authorization(client)).toBe('Bearer one');
    now += 2;
    expect(await session.authorization(client)).toBe('Bearer two');
    expect(seen).toHaveLength(2);
    session.invalidate('Bearer stale');
    expect(await session.authorization(client)).toBe('Bearer two');
    session.invalidate('Bearer two');
    await session.authorization(client);
    expect(seen).toHaveLength(3);
    expect(session.canRenew).toBe(true);
    expect(session.directAuthorization).toBe(basicHeader('admin', 'pw'));
  });

  it('waits and asks again while the server is busy hashing (429), up to its attempts', async () => {
    const busy = [429, { error: { code: 'OMENDB_ERR_AUTH_BUSY', message: 'busy' } }] as const;
    const { seen, client } = await tokenServer([busy, [200, { token: 't', expiresIn: 60 }]]);
    const session = new AuthSession({ kind: 'password', user: 'a', password: 'b' });
    expect(await session.authorization(client)).toBe('Bearer t');
    expect(seen).toHaveLength(2);
  });

  it('gives up after tokenAttemptsMax busy answers, and at once on any other refusal', async () => {
    const busy = [429, { error: { code: 'OMENDB_ERR_AUTH_BUSY', message: 'busy' } }] as const;
    const { seen, client } = await tokenServer([busy]);
    const session = new AuthSession({ kind: 'password', user: 'a', password: 'b' });
    await expect(session.authorization(client)).rejects.toMatchObject({ code: 'OMENDB_ERR_AUTH_BUSY' });
    expect(seen).toHaveLength(tokenAttemptsMax);
    await server?.close();
    const refused = await tokenServer([[401, { error: { code: 'OMENDB_ERR_AUTH_INVALID', message: 'no' } }]]);
    await expect(session.authorization(refused.client)).rejects.toMatchObject({
      code: 'OMENDB_ERR_AUTH_INVALID',
    });
    expect(refused.seen).toHaveLength(1);
  }, 30_000);

  it('refuses a token answer without a token', async () => {
    const { client } = await tokenServer([[200, { expiresIn: 60 }]]);
    const session = new AuthSession({ kind: 'password', user: 'a', password: 'b' });
    await expect(session.authorization(client)).rejects.toMatchObject({ code: 'OMENDB_ERR_HTTP_INTERNAL' });
  });

  it('uses a given token as it is, and nothing without credentials', async () => {
    const { seen, client } = await tokenServer([[500, {}]]);
    const token = new AuthSession({ kind: 'token', token: 'abc' });
    expect(await token.authorization(client)).toBe('Bearer abc');
    expect(token.canRenew).toBe(false);
    expect(token.directAuthorization).toBe('Bearer abc');
    const none = new AuthSession({ kind: 'none' });
    expect(await none.authorization(client)).toBeUndefined();
    expect(none.directAuthorization).toBeUndefined();
    expect(seen).toEqual([]);
  });
});
