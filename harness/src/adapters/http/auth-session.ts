import { OmenDbError } from '@omendb/engine';
import { tokenAttemptsMax, tokenRefreshMarginMs, tokenRetryDelayMs } from '../../limits.ts';
import type { HttpClient } from './http-client.ts';
import { errorFromResponse, protocolError } from './wire.ts';

/**
 * Credentials for the server, and the Bearer token bought with them. The server hashes a
 * password slowly and one or two at a time, so a password is sent once, to POST /v1/auth/token,
 * and every request carries the token; a token is renewed before it expires (and once more
 * if the server refuses it, e.g. a restarted server with a new secret).
 */

export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'password'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly token: string };

interface HeldToken {
  readonly header: string;
  readonly renewAtMs: number;
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AuthSession {
  private held: HeldToken | undefined;
  private pending: Promise<HeldToken> | undefined;

  constructor(
    readonly credentials: Credentials,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a refused token can be replaced by a new one (only a password buys one). */
  get canRenew(): boolean {
    return this.credentials.kind === 'password';
  }

  /** The header that identifies the admin directly: Basic with a password (never expires), else the token. */
  get directAuthorization(): string | undefined {
    const credentials = this.credentials;
    if (credentials.kind === 'password') return basicHeader(credentials.user, credentials.password);
    if (credentials.kind === 'token') return `Bearer ${credentials.token}`;
    return undefined;
  }

  /** The Authorization header for a request (undefined without credentials). */
  async authorization(client: HttpClient): Promise<string | undefined> {
    const credentials = this.credentials;
    if (credentials.kind === 'none') return undefined;
    if (credentials.kind === 'token') return `Bearer ${credentials.token}`;
    if (this.held !== undefined && this.now() < this.held.renewAtMs) return this.held.header;
    // Concurrent requests share one token request: one password hash on the server.
    this.pending ??= this.fetchToken(client, credentials).finally(() => {
      this.pending = undefined;
    });
    this.held = await this.pending;
    return this.held.header;
  }

  /** Forgets a token the server refused, so the next request buys a new one. */
  invalidate(header: string): void {
    if (this.held?.header === header) this.held = undefined;
  }

  private async fetchToken(
    client: HttpClient,
    credentials: { user: string; password: string },
  ): Promise<HeldToken> {
    for (let attempt = 1; ; attempt++) {
      const askedAt = this.now();
      const response = await client.send({
        method: 'POST',
        path: '/v1/auth/token',
        headers: { authorization: basicHeader(credentials.user, credentials.password) },
      });
      if (response.status === 200) {
        const body = JSON.parse(response.body.toString('utf8')) as { token?: unknown; expiresIn?: unknown };
        if (typeof body.token !== 'string' || typeof body.expiresIn !== 'number')
          throw protocolError('the token response has no token or expiresIn');
        // Lifetime counted from before the request: the token cannot outlive what we assume.
        const lifetimeMs = body.expiresIn * 1000;
        const renewAtMs = askedAt + Math.max(lifetimeMs - tokenRefreshMarginMs, lifetimeMs / 2);
        return { header: `Bearer ${body.token}`, renewAtMs };
      }
      const error = errorFromResponse(response.status, response.body);
      // Busy: other password hashes are running; that passes. Anything else (rate limited too) stays.
      if (error.code !== 'OMENDB_ERR_AUTH_BUSY' || attempt >= tokenAttemptsMax) throw error;
      await sleep(tokenRetryDelayMs);
    }
  }
}

/** Credentials from the environment only (never argv): user and password, or a token. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  const user = env.OMENDB_HARNESS_USER;
  const password = env.OMENDB_HARNESS_PASSWORD;
  const token = env.OMENDB_HARNESS_TOKEN;
  const given = (value: string | undefined): value is string => value !== undefined && value !== '';
  if (given(token) && (given(user) || given(password)))
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      'set either OMENDB_HARNESS_TOKEN or OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD, not both',
    );
  if (given(token)) return { kind: 'token', token };
  if (given(user) !== given(password))
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      'OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD go together',
    );
  if (given(user) && given(password)) return { kind: 'password', user, password };
  return { kind: 'none' };
}
