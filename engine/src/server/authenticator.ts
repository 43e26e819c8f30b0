import { createHash } from 'node:crypto';
import { OmenDbError } from '../errors.ts';
import { credentialCacheEntriesMax, credentialCacheTtlMs, usersReloadIntervalMs } from '../limits.ts';
import { decoyPasswordHash, verifyPassword } from './passwords.ts';
import type { AuthRateLimiter } from './rate-limiter.ts';
import type { Role } from './roles.ts';
import type { TokenClaims, TokenService } from './tokens.ts';
import type { UserRecord, UsersStore } from './users-store.ts';

export interface Identity {
  readonly name: string;
  readonly role: Role;
  /** How the request proved it: tokens are only issued against a password. */
  readonly via: 'basic' | 'token';
}

interface CachedCredential {
  readonly name: string;
  readonly credentialId: string;
  readonly usersVersion: number;
  readonly expiresAtMs: number;
}

/**
 * Turns an Authorization header into an identity. Basic credentials are checked with scrypt once,
 * then remembered by a SHA-256 of the header (never the password) until the users file changes;
 * tokens are checked by signature and then against the users file, so a removed user or a changed
 * password ends every token at once.
 */
export class Authenticator {
  private readonly cache = new Map<string, CachedCredential>();
  /**
   * Tokens whose signature was verified, until they expire: the HMAC and JSON work of jose is
   * most of a cheap request's cost otherwise. Claims are still checked against the users file
   * on every request, so removal and password changes take effect at once.
   */
  private readonly verifiedTokens = new Map<string, TokenClaims>();
  private lastReloadMs = 0;

  constructor(
    private readonly users: UsersStore,
    private readonly tokens: TokenService,
    private readonly limiter: AuthRateLimiter,
  ) {}

  /** The identity, or null when the request carries no credentials at all. */
  async authenticate(header: string | undefined, client: string): Promise<Identity | null> {
    if (header === undefined || header === '') return null;
    const retryAfter = this.limiter.retryAfterSeconds(client);
    if (retryAfter > 0)
      throw new OmenDbError('OMENDB_ERR_AUTH_RATE_LIMITED', 'too many failed authentications', {
        retryAfterSeconds: retryAfter,
      });
    await this.reloadUsersIfDue();
    try {
      const space = header.indexOf(' ');
      const scheme = space < 0 ? header : header.slice(0, space);
      const credentials = space < 0 ? '' : header.slice(space + 1).trim();
      if (/^basic$/i.test(scheme)) return await this.basic(header, credentials);
      if (/^bearer$/i.test(scheme)) return await this.bearer(credentials);
      throw new OmenDbError('OMENDB_ERR_AUTH_INVALID', 'unsupported authorization scheme');
    } catch (error) {
      this.limiter.recordFailure(client);
      throw error;
    }
  }

  /** A user name and password checked with scrypt; an unknown user costs the same time. */
  private async verifyUserPassword(name: string, password: string): Promise<UserRecord> {
    const user = this.users.get(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
    if (user === undefined || !ok)
      throw new OmenDbError('OMENDB_ERR_AUTH_INVALID', 'wrong user name or password');
    return user;
  }

  private async basic(header: string, credentials: string): Promise<Identity> {
    const cacheKey = createHash('sha256').update(header).digest('base64url');
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) {
      const user = this.users.get(cached.name);
      const fresh = cached.usersVersion === this.users.version && cached.expiresAtMs > Date.now();
      if (fresh && user !== undefined && user.credentialId === cached.credentialId)
        return { name: user.name, role: user.role, via: 'basic' };
      this.cache.delete(cacheKey);
    }
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new OmenDbError('OMENDB_ERR_AUTH_INVALID', 'malformed Basic credentials');
    const user = await this.verifyUserPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
    this.remember(cacheKey, user);
    return { name: user.name, role: user.role, via: 'basic' };
  }

  private async bearer(token: string): Promise<Identity> {
    const claims = await this.verifiedToken(token);
    const user = this.users.get(claims.name);
    if (user === undefined || user.credentialId !== claims.credentialId || user.role !== claims.role)
      throw new OmenDbError('OMENDB_ERR_AUTH_INVALID', 'token no longer valid for this user');
    return { name: user.name, role: user.role, via: 'token' };
  }

  private async verifiedToken(token: string): Promise<TokenClaims> {
    const cached = this.verifiedTokens.get(token);
    if (cached !== undefined && cached.expiresAt > Date.now() / 1000) return cached;
    this.verifiedTokens.delete(token);
    const claims = await this.tokens.verify(token);
    if (this.verifiedTokens.size >= credentialCacheEntriesMax)
      this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
    this.verifiedTokens.set(token, claims);
    return claims;
  }

  private remember(cacheKey: string, user: UserRecord): void {
    if (this.cache.size >= credentialCacheEntriesMax) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(cacheKey, {
      name: user.name,
      credentialId: user.credentialId,
      usersVersion: this.users.version,
      expiresAtMs: Date.now() + credentialCacheTtlMs,
    });
  }

  /** Changes made by `omendb users` in another process reach this server within the interval. */
  private async reloadUsersIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastReloadMs < usersReloadIntervalMs) return;
    this.lastReloadMs = now;
    if (await this.users.reload()) {
      this.cache.clear();
      this.verifiedTokens.clear();
    }
  }
}
