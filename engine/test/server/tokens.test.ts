import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jwtSecretPath, loadOrCreateJwtSecret, TokenService } from '../../src/server/tokens.ts';
import { codeOf } from '../support/codes.ts';

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');

function forged(claims: Record<string, unknown>, key = secret) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

describe('TokenService', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('issues tokens that verify to their user, role and credential id', async () => {
    const tokens = new TokenService(secret, 900);
    const { token, expiresAt } = await tokens.issue('alice', 'writer', 'cid-1');
    const claims = await tokens.verify(token);
    expect(claims).toEqual({ name: 'alice', role: 'writer', credentialId: 'cid-1', expiresAt });
    expect(expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(899);
  });

  it('rejects expired, future-dated, badly signed, tampered, alg none and foreign tokens', async () => {
    const tokens = new TokenService(secret, 60);
    const { token } = await tokens.issue('alice', 'reader', 'cid');
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'alice', role: 'reader', cid: 'cid', iss: 'omendb', aud: 'omendb' };
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    const adminPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    const cases = [
      await forged({ ...base, iat: now - 120, exp: now - 60 }),
      await forged({ ...base, iat: now + 3600, exp: now + 7200 }),
      await forged(
        { ...base, iat: now, exp: now + 60 },
        new TextEncoder().encode('another-secret-of-32-bytes-or-more!!'),
      ),
      await forged({ ...base, iss: 'someone-else', iat: now, exp: now + 60 }),
      await forged({ ...base, role: 'root', iat: now, exp: now + 60 }),
      await forged({ sub: 'alice', role: 'reader', cid: 'cid', iss: 'omendb', aud: 'omendb', iat: now }),
      `${header}.${payload}.${flipped}`,
      `${header}.${adminPayload}.${signature}`,
      none,
      'not-a-token',
      '',
    ];
    for (const bad of cases) expect(await codeOf(tokens.verify(bad))).toBe('OMENDB_ERR_AUTH_INVALID');
  });

  it('stops accepting a token once its lifetime has passed', async () => {
    const tokens = new TokenService(secret, 2);
    const { token } = await tokens.issue('alice', 'reader', 'cid');
    expect((await tokens.verify(token)).name).toBe('alice');
    vi.useFakeTimers({ now: Date.now() + 3000, toFake: ['Date'] });
    expect(await codeOf(tokens.verify(token))).toBe('OMENDB_ERR_AUTH_INVALID');
  });

  it('generates the secret once, stores it 0600, and prefers a configured one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omendb-secret-'));
    try {
      const first = await loadOrCreateJwtSecret(dir, undefined);
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect((await stat(jwtSecretPath(dir))).mode & 0o777).toBe(0o600);
      const second = await loadOrCreateJwtSecret(dir, undefined);
      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
      const configured = await loadOrCreateJwtSecret(dir, 'from-config-secret');
      expect(new TextDecoder().decode(configured)).toBe('from-config-secret');
      expect((await readFile(jwtSecretPath(dir), 'utf8')).trim()).toBe(
        Buffer.from(first).toString('base64url'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
