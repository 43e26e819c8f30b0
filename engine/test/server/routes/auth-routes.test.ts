import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerFixture, type ServerFixture } from '../server-fixture.ts';

/** POST /v1/auth/token: no request gets a token that outlives --token-ttl-seconds. */

const ttlSeconds = 120;
let fixture: ServerFixture;

beforeAll(async () => {
  fixture = await createServerFixture({ config: { tokenTtlSeconds: ttlSeconds } });
});

afterAll(async () => {
  await fixture?.close();
});

function claimsOf(token: string): { iat: number; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    iat: number;
    exp: number;
  };
}

describe('POST /v1/auth/token', () => {
  it('caps every token at the configured ttl, whatever lifetime the request asks for', async () => {
    const asked = [1, ttlSeconds - 1, ttlSeconds, ttlSeconds + 1, 3600, 86_400, 10 ** 9, -1, 0, '99999'];
    const fields = ['expiresIn', 'ttl', 'exp', 'expiresAt', 'lifetime', 'ttlSeconds'];
    const requests: { url: string; payload?: Record<string, unknown> }[] = [{ url: '/v1/auth/token' }];
    for (const value of asked) {
      requests.push({ url: `/v1/auth/token?expiresIn=${value}&ttl=${value}&exp=${value}` });
      for (const field of fields) requests.push({ url: '/v1/auth/token', payload: { [field]: value } });
    }
    for (const { url, payload } of requests) {
      const response = await fixture.inject({
        method: 'POST',
        url,
        headers: { authorization: fixture.basicFor('reader') },
        ...(payload === undefined ? {} : { payload }),
      });
      const what = `${url} ${JSON.stringify(payload ?? null)}`;
      // A route that refused the extra input would be fine too; one that honoured it is not.
      if (response.statusCode !== 200) {
        expect(response.statusCode, what).toBe(400);
        continue;
      }
      const body = response.json() as { token: string; expiresIn: number };
      const { iat, exp } = claimsOf(body.token);
      expect(exp - iat, what).toBeLessThanOrEqual(ttlSeconds);
      expect(body.expiresIn, what).toBe(exp - iat);
    }
  });

  it('the token it issues is accepted, for the reader it names', async () => {
    const token = await fixture.tokenFor('reader');
    const response = await fixture.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(claimsOf(token).exp - claimsOf(token).iat).toBe(ttlSeconds);
  });
});
