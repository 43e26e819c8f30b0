import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  algNoneToken,
  basicAuthorization,
  flipSignatureCharacter,
  invalidCredentials,
  resignedToken,
  tokenClaims,
  withClaims,
} from '../../src/testing/forged-tokens.ts';
import { invalidIdentities } from '../../src/testing/identity-kinds.ts';

const secret = new Uint8Array(32).fill(3);

async function realToken(claims: Record<string, unknown>): Promise<string> {
  return resignedToken(
    `${Buffer.from('{}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`,
    secret,
    { iat: 100, exp: 200 },
  );
}

describe('forged tokens', () => {
  it('re-signs a token with other times only: the signature verifies, the claims are kept', async () => {
    const token = await realToken({ sub: 'a', role: 'reader', cid: 'c1' });
    const { payload, protectedHeader } = await jwtVerify(token, secret, { currentDate: new Date(150_000) });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toEqual({ sub: 'a', role: 'reader', cid: 'c1', iat: 100, exp: 200 });
  });

  it('flips a signature character, changes claims or drops the algorithm, and none of them verifies', async () => {
    const token = await realToken({ sub: 'a', role: 'reader' });
    const flipped = flipSignatureCharacter(token);
    expect(flipped).not.toBe(token);
    expect(flipped.split('.').slice(0, 2)).toEqual(token.split('.').slice(0, 2));
    const promoted = withClaims(token, { role: 'admin' });
    expect(tokenClaims(promoted)).toMatchObject({ sub: 'a', role: 'admin' });
    expect(promoted.split('.')[2]).toBe(token.split('.')[2]);
    const none = algNoneToken(token);
    expect(JSON.parse(Buffer.from(none.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'none',
      typ: 'JWT',
    });
    expect(none.endsWith('.')).toBe(true);
    for (const forged of [flipped, promoted, none])
      await expect(jwtVerify(forged, secret, { currentDate: new Date(150_000) })).rejects.toThrow();
    expect(() => tokenClaims('not-a-token')).toThrow(/invariant violated/);
  });

  it('builds every refused identity, re-timed with the secret when given and with the old signature otherwise', async () => {
    const admin = await realToken({ sub: 'admin', role: 'admin' });
    const input = {
      wrongPassword: { name: 'reader', password: 'nope' },
      unknownUser: 'ghost',
      adminToken: admin,
      lowerToken: await realToken({ sub: 'reader', role: 'reader' }),
      removedUserToken: 'removed.token.x',
      changedPasswordToken: 'changed.token.x',
      now: 10_000,
    };
    const unsigned = await invalidCredentials(input);
    expect(Object.keys(unsigned).sort()).toEqual(invalidIdentities.map((identity) => identity.id).sort());
    expect(unsigned['basic-wrong-password']).toBe(basicAuthorization('reader', 'nope'));
    expect(unsigned['unsupported-scheme']).toMatch(/^Digest /);
    expect(unsigned['token-removed-user']).toBe('Bearer removed.token.x');
    expect(unsigned['token-expired'].split('.')[2]).toBe(admin.split('.')[2]);
    expect(tokenClaims(unsigned['token-expired'].slice(7))).toMatchObject({ iat: 9_880, exp: 9_940 });
    expect(tokenClaims(unsigned['token-promoted-payload'].slice(7))).toMatchObject({
      sub: 'reader',
      role: 'admin',
    });
    const signed = await invalidCredentials({ ...input, signingSecret: secret });
    const future = signed['token-future-dated'].slice(7);
    const { payload } = await jwtVerify(future, secret, { currentDate: new Date(11_000_000) });
    expect(payload).toMatchObject({ sub: 'admin', iat: 13_600, exp: 17_200 });
  });
});
