import { createHash } from 'node:crypto';
import { isOmenDbError, OmenDbError } from '../errors.ts';
import { credentialCacheEntriesMax, credentialCacheTtlMs, usersReloadIntervalMs } from '../limits.ts';
import { HashSlots } from './hash-slots.ts';
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
 *
 * Under attack: a password attempt is counted (per address and per user name) before its hash,
 * at most a few hashes run at once (HashSlots: the rest get AUTH_BUSY at once), and credentials
 * that need no hash, a token or a Basic header already verified, are never refused by the limiter.
 */
export class Authenticator {
  private readonly cache = new Map<string, CachedCredential>();
  /**
   * Tokens whose signature was verified, until they expire: the HMAC and JSON work of jose is
   * most of a cheap request's cost otherwise. Claims are still checked against the users file
   * on every request, so removal and password changes take effect at once.
   */
  private readonly verifiedTokens = new Map<string, TokenClaims>();
  /**
   * Basic checks running, by cache key: concurrent requests with the same header share one hash
   * rather than each taking a slot (a client opening several connections at once). At most one
   * entry per hash slot, each removed when its hash ends.
   */
  private readonly checking = new Map<string, Promise<UserRecord>>();
  private lastReloadMs = 0;

  constructor(
    private readonly users: UsersStore,
    private readonly tokens: TokenService,
    private readonly limiter: AuthRateLimiter,
    private readonly hashSlots: HashSlots = new HashSlots(),
  ) {}

  /** The identity, or null when the request carries no credentials at all. */
  async authenticate(header: string | undefined, client: string): Promise<Identity | null> {
    if (header === undefined || header === '') return null;
    await this.reloadUsersIfDue();
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    const credentials = space < 0 ? '' : header.slice(space + 1).trim();
    if (/^basic$/i.test(scheme)) return await this.basic(header, credentials, client);
    if (/^bearer$/i.test(scheme)) return await this.bearer(credentials, client);
    throw this.failed(client, 'unsupported authorization scheme');
  }

  /** Counts a failure that needed no hash against the address, and the error to throw. */
  private failed(client: string, message: string): OmenDbError {
    this.limiter.recordFailure(client);
    return new OmenDbError('OMENDB_ERR_AUTH_INVALID', message);
  }

  /** A user name and password checked with scrypt; an unknown user costs the same time. */
  private async verifyUserPassword(name: string, password: string): Promise<UserRecord> {
    return this.hashSlots.run(async () => {
      const user = this.users.get(name);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
      if (user === undefined || !ok)
        throw new OmenDbError('OMENDB_ERR_AUTH_INVALID', 'wrong user name or password');
      return user;
    });
  }

  /**
   * A Basic header. Already verified (cached): accepted whatever the limiter says, since it costs
   * no hash and proves nothing new. Otherwise the attempt is reserved with the limiter first, so
   * an address or a name that is limited gets 429 before any hash: that includes the right
   * password not yet verified from a limited address (or for a limited name), because telling it
   * from a guess takes the very hash the limit withholds, and answering it would let the limited
   * attacker go on guessing. Such a client waits out retry-after, or uses a token or a credential
   * the server already verified. A success, or a check refused as busy (no password was tried),
   * gives its attempt back.
   */
  private async basic(header: string, credentials: string, client: string): Promise<Identity> {
    const cacheKey = createHash('sha256').update(header).digest('base64url');
    const cached = this.cachedUser(cacheKey);
    if (cached !== undefined) return { name: cached.name, role: cached.role, via: 'basic' };
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw this.failed(client, 'malformed Basic credentials');
    const name = decoded.slice(0, colon);
    const attempt = this.limiter.reserve(client, name);
    let user: UserRecord;
    try {
      user = await this.checkOnce(cacheKey, name, decoded.slice(colon + 1));
    } catch (error) {
      if (isOmenDbError(error, 'OMENDB_ERR_AUTH_BUSY')) attempt.giveBack();
      throw error;
    }
    attempt.giveBack();
    return { name: user.name, role: user.role, via: 'basic' };
  }

  /** The user of a verified, still valid Basic header, or undefined (a stale entry is dropped). */
  private cachedUser(cacheKey: string): UserRecord | undefined {
    const cached = this.cache.get(cacheKey);
    if (cached === undefined) return undefined;
    const user = this.users.get(cached.name);
    const fresh = cached.usersVersion === this.users.version && cached.expiresAtMs > Date.now();
    if (fresh && user !== undefined && user.credentialId === cached.credentialId) return user;
    this.cache.delete(cacheKey);
    return undefined;
  }

  /** One hash per header at a time; a success is remembered for the next requests. */
  private checkOnce(cacheKey: string, name: string, password: string): Promise<UserRecord> {
    const running = this.checking.get(cacheKey);
    if (running !== undefined) return running;
    const check: Promise<UserRecord> = this.verifyUserPassword(name, password)
      .then((user) => {
        this.remember(cacheKey, user);
        return user;
      })
      .finally(() => {
        if (this.checking.get(cacheKey) === check) this.checking.delete(cacheKey);
      });
    this.checking.set(cacheKey, check);
    return check;
  }

  /**
   * A Bearer token, checked by its signature (no hash) without asking the limiter, so a valid
   * token is never refused; a token that fails counts against the address.
   */
  private async bearer(token: string, client: string): Promise<Identity> {
    let claims: TokenClaims;
    try {
      claims = await this.verifiedToken(token);
    } catch (error) {
      this.limiter.recordFailure(client);
      throw error;
    }
    const user = this.users.get(claims.name);
    if (user === undefined || user.credentialId !== claims.credentialId || user.role !== claims.role)
      throw this.failed(client, 'token no longer valid for this user');
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
