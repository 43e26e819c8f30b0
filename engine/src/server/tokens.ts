import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { OmenDbError } from '../errors.ts';
import { jwtSecretBytesMin, tokenClockSkewSeconds } from '../limits.ts';
import { isRole, type Role } from './roles.ts';
import { writeFileAtomic0600 } from './users-store.ts';

/** What a verified token says: checked again against the users file on every request. */
export interface TokenClaims {
  readonly name: string;
  readonly role: Role;
  readonly credentialId: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * jose (about 70 ms of module loading here) is imported on the first token issued or verified,
 * not at start: a server with --auth off, or one nobody has logged in to yet, never needs it.
 */
let josePromise: Promise<typeof import('jose')> | undefined;
const loadJose = () => {
  josePromise ??= import('jose');
  return josePromise;
};

const issuer = 'omendb';
const audience = 'omendb';
/** A generated secret is exactly as long as a configured one must be at least. */
const secretBytes = jwtSecretBytesMin;

export function jwtSecretPath(dataDir: string): string {
  return `${dataDir}/server/jwt-secret`;
}

/**
 * The HS256 secret: from configuration when given (at least jwtSecretBytesMin bytes, else
 * OMENDB_ERR_CONFIG_INVALID before anything starts), else generated once and stored 0600
 * beside the users file, so tokens survive a restart.
 */
export async function loadOrCreateJwtSecret(
  dataDir: string,
  configured: string | undefined,
): Promise<Uint8Array> {
  if (configured !== undefined) return configuredSecret(configured);
  const path = jwtSecretPath(dataDir);
  try {
    const stored = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
    if (stored.length >= secretBytes) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(secretBytes);
  await writeFileAtomic0600(path, `${secret.toString('base64url')}\n`);
  return secret;
}

function configuredSecret(configured: string): Uint8Array {
  const secret = new TextEncoder().encode(configured);
  // The length only: the secret itself never goes into an error or a log.
  if (secret.length < jwtSecretBytesMin)
    throw new OmenDbError(
      'OMENDB_ERR_CONFIG_INVALID',
      `jwtSecret must be at least ${jwtSecretBytesMin} bytes (UTF-8), not ${secret.length}; or leave it unset to have one generated`,
      { option: 'jwtSecret' },
    );
  return secret;
}

function invalidToken(reason: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_AUTH_INVALID', `invalid token: ${reason}`, { reason });
}

export class TokenService {
  constructor(
    private readonly secret: Uint8Array,
    readonly ttlSeconds: number,
  ) {}

  /** A token for the user, living exactly ttlSeconds: its lifetime is never the caller's to choose. */
  async issue(
    name: string,
    role: Role,
    credentialId: string,
  ): Promise<{ token: string; issuedAt: number; expiresAt: number }> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + this.ttlSeconds;
    const { SignJWT } = await loadJose();
    const token = await new SignJWT({ role, cid: credentialId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(name)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(this.secret);
    return { token, issuedAt: now, expiresAt };
  }

  /**
   * Verifies signature (HS256 only: `alg: none` and every other algorithm are refused), issuer,
   * audience and expiry with jose, then refuses tokens issued in the future beyond a small skew
   * and tokens that live longer than ttlSeconds (issued under an earlier, longer ttl with the
   * same secret): the configured ttl bounds every token this server accepts.
   */
  async verify(token: string): Promise<TokenClaims> {
    let payload: Record<string, unknown>;
    const { errors: joseErrors, jwtVerify } = await loadJose();
    try {
      ({ payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer,
        audience,
        requiredClaims: ['sub', 'iat', 'exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw invalidToken('expired');
      throw invalidToken(error instanceof joseErrors.JOSEError ? error.code : 'malformed');
    }
    const now = Math.floor(Date.now() / 1000);
    const { sub, role, cid, iat, exp } = payload;
    if (typeof iat !== 'number' || iat > now + tokenClockSkewSeconds)
      throw invalidToken('issued in the future');
    if (typeof sub !== 'string' || !isRole(role) || typeof cid !== 'string' || typeof exp !== 'number')
      throw invalidToken('claims');
    if (exp - iat > this.ttlSeconds) throw invalidToken('lifetime longer than the configured ttl');
    return { name: sub, role, credentialId: cid, expiresAt: exp };
  }
}
