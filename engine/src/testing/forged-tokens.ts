import { SignJWT } from 'jose';
import type { Role } from '../server/roles.ts';
import type { InvalidIdentityId } from './identity-kinds.ts';

/**
 * The refused credentials of the authorization matrix, built from real ones: tampered, re-timed
 * and `alg: none` tokens, malformed Basic headers. Shared by the engine's authorization-matrix
 * test and the harness's security scenario, so that both refuse exactly the same forgeries.
 */

export function basicAuthorization(name: string, password: string): string {
  return `Basic ${Buffer.from(`${name}:${password}`, 'utf8').toString('base64')}`;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function parts(token: string): [string, string, string] {
  const split = token.split('.');
  if (split.length !== 3)
    throw new Error(`OmenDB invariant violated: not a compact JWS (${split.length} parts)`);
  return split as [string, string, string];
}

/** The claims of a compact JWS, unverified. */
export function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** One character in the middle of the signature changed (the last may carry only padding bits). */
export function flipSignatureCharacter(token: string): string {
  const [header, payload, signature] = parts(token);
  const middle = Math.floor(signature.length / 2);
  const changed = signature[middle] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, middle)}${changed}${signature.slice(middle + 1)}`;
}

/** The payload's claims changed, the header and signature kept. */
export function withClaims(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = parts(token);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${b64url({ ...claims, ...change })}.${signature}`;
}

/** The token's payload under `alg: none` and no signature. */
export function algNoneToken(token: string): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${parts(token)[1]}.`;
}

/** The token's claims with these issue and expiry times, signed with HS256 and `secret`. */
export async function resignedToken(
  token: string,
  secret: Uint8Array,
  times: { readonly iat: number; readonly exp: number },
): Promise<string> {
  return new SignJWT({ ...tokenClaims(token), ...times })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(secret);
}

export interface InvalidCredentialsInput {
  /** A real user's name with a password that is not theirs. */
  readonly wrongPassword: { readonly name: string; readonly password: string };
  /** A name no user has. */
  readonly unknownUser: string;
  /** A valid token of an admin: flipped, re-timed and re-headed. */
  readonly adminToken: string;
  /** A valid token of a role below admin: promoted to admin with its signature kept. */
  readonly lowerToken: string;
  readonly removedUserToken: string;
  readonly changedPasswordToken: string;
  /**
   * The server's signing secret. With it, the expired and future-dated tokens differ from a valid
   * one in their times alone; without it (a server the harness did not start) they keep the
   * admin token's signature, and are refused for that too.
   */
  readonly signingSecret?: Uint8Array;
  /** Epoch seconds. */
  readonly now: number;
}

/** The Authorization header of every refused identity. */
export async function invalidCredentials(
  input: InvalidCredentialsInput,
): Promise<Record<InvalidIdentityId, string>> {
  const { adminToken, signingSecret, now } = input;
  const expired = { iat: now - 120, exp: now - 60 };
  const future = { iat: now + 3600, exp: now + 7200 };
  const retimed = async (times: { iat: number; exp: number }): Promise<string> =>
    signingSecret === undefined
      ? withClaims(adminToken, times)
      : resignedToken(adminToken, signingSecret, times);
  const bearer = (token: string): string => `Bearer ${token}`;
  const promotedRole: Role = 'admin';
  return {
    'basic-wrong-password': basicAuthorization(input.wrongPassword.name, input.wrongPassword.password),
    'basic-unknown-user': basicAuthorization(input.unknownUser, 'whatever-password-1'),
    'basic-malformed': `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
    'unsupported-scheme': 'Digest username="admin"',
    'token-expired': bearer(await retimed(expired)),
    'token-flipped-signature': bearer(flipSignatureCharacter(adminToken)),
    'token-promoted-payload': bearer(withClaims(input.lowerToken, { role: promotedRole })),
    'token-alg-none': bearer(algNoneToken(adminToken)),
    'token-future-dated': bearer(await retimed(future)),
    'token-removed-user': bearer(input.removedUserToken),
    'token-changed-password': bearer(input.changedPasswordToken),
  };
}
