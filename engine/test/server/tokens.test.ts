import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jwtSecretBytesMin } from '../../src/limits.ts';
import { configDefaults } from '../../src/server/server-config.ts';
import { createContext } from '../../src/server/start-server.ts';
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
      const fromConfig = 'from-config-secret-of-32-bytes!!';
      const configured = await loadOrCreateJwtSecret(dir, fromConfig);
      expect(new TextDecoder().decode(configured)).toBe(fromConfig);
      expect((await readFile(jwtSecretPath(dir), 'utf8')).trim()).toBe(
        Buffer.from(first).toString('base64url'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('token lifetime', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const base = { sub: 'alice', role: 'reader', cid: 'cid', iss: 'omendb', aud: 'omendb' };

  it('refuses a well-signed token that lives longer than the configured ttl', async () => {
    const tokens = new TokenService(secret, 60);
    const issuedAt = now();
    // Exactly the ttl is accepted: the control that makes the refusals below about the lifetime.
    expect((await tokens.verify(await forged({ ...base, iat: issuedAt, exp: issuedAt + 60 }))).name).toBe(
      'alice',
    );
    for (const lifetime of [61, 3600, 24 * 3600, 10 * 365 * 24 * 3600])
      expect(
        await codeOf(tokens.verify(await forged({ ...base, iat: issuedAt, exp: issuedAt + lifetime }))),
        `lifetime ${lifetime}`,
      ).toBe('OMENDB_ERR_AUTH_INVALID');
  });

  it('a token issued under a longer ttl stops working once the server runs with a shorter one', async () => {
    const before = new TokenService(secret, 3600);
    const { token } = await before.issue('alice', 'reader', 'cid');
    expect((await before.verify(token)).name).toBe('alice');
    const after = new TokenService(secret, 60);
    expect(await codeOf(after.verify(token))).toBe('OMENDB_ERR_AUTH_INVALID');
  });

  it('issues tokens whose exp - iat is the ttl, for every ttl the configuration allows', async () => {
    for (const ttl of [1, 60, 900, 86_400]) {
      const { token, expiresAt } = await new TokenService(secret, ttl).issue('alice', 'reader', 'cid');
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        iat: number;
        exp: number;
      };
      expect(payload.exp - payload.iat).toBe(ttl);
      expect(payload.exp).toBe(expiresAt);
    }
  });
});

describe('the configured JWT secret', () => {
  const adminEnv = { OMENDB_ADMIN_PASSWORD: 'secret-test-admin-password' };

  async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'omendb-secret-'));
    try {
      await run(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it(`must be at least ${jwtSecretBytesMin} bytes (UTF-8), else OMENDB_ERR_CONFIG_INVALID`, async () => {
    expect(jwtSecretBytesMin).toBe(32);
    await withDir(async (dir) => {
      for (const short of ['k', 'x'.repeat(jwtSecretBytesMin - 1), `${'é'.repeat(15)}x`])
        expect(await codeOf(loadOrCreateJwtSecret(dir, short)), short).toBe('OMENDB_ERR_CONFIG_INVALID');
      // Bytes, not characters: 16 two-byte characters are 32 bytes.
      for (const longEnough of ['x'.repeat(jwtSecretBytesMin), 'é'.repeat(16)])
        expect((await loadOrCreateJwtSecret(dir, longEnough)).length).toBe(jwtSecretBytesMin);
    });
  });

  it('createContext refuses a short --jwt-secret before the server starts', async () => {
    await withDir(async (dir) => {
      const config = { ...configDefaults, data: dir, logLevel: 'silent' as const };
      expect(await codeOf(createContext({ ...config, jwtSecret: 'a-short-secret' }, adminEnv))).toBe(
        'OMENDB_ERR_CONFIG_INVALID',
      );
      const context = await createContext({ ...config, jwtSecret: 'x'.repeat(jwtSecretBytesMin) }, adminEnv);
      const { token } = await context.tokens.issue('admin', 'admin', 'cid');
      expect((await context.tokens.verify(token)).name).toBe('admin');
    });
  });
});
