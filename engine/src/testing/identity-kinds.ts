import type { Role } from '../server/roles.ts';

/**
 * The callers of the authorization matrix: no credentials, eleven kinds of credentials that must
 * be refused, and each role by Basic and by Bearer. The engine's authorization-matrix test and the
 * harness's security scenario both run every route against every one of these.
 */

export const securityRoles = ['admin', 'writer', 'reader', 'monitor'] as const satisfies readonly Role[];

export type InvalidIdentityId =
  | 'basic-wrong-password'
  | 'basic-unknown-user'
  | 'basic-malformed'
  | 'unsupported-scheme'
  | 'token-expired'
  | 'token-flipped-signature'
  | 'token-promoted-payload'
  | 'token-alg-none'
  | 'token-future-dated'
  | 'token-removed-user'
  | 'token-changed-password';

export interface InvalidIdentitySpec {
  readonly kind: 'invalid';
  readonly id: InvalidIdentityId;
  readonly name: string;
  /**
   * The server must hash a password to refuse it (a Basic header of a plausible user and
   * password): these attempts are the ones its failed-login limiter may answer with 429
   * OMENDB_ERR_AUTH_RATE_LIMITED instead of 401.
   */
  readonly hashes: boolean;
}

export type IdentitySpec =
  | { readonly kind: 'none'; readonly id: 'none'; readonly name: string }
  | InvalidIdentitySpec
  | {
      readonly kind: 'valid';
      readonly id: `${Role}-${'basic' | 'token'}`;
      readonly name: string;
      readonly role: Role;
      readonly via: 'basic' | 'token';
    };

export const invalidIdentities: readonly InvalidIdentitySpec[] = [
  { kind: 'invalid', id: 'basic-wrong-password', name: 'basic, wrong password', hashes: true },
  { kind: 'invalid', id: 'basic-unknown-user', name: 'basic, unknown user', hashes: true },
  { kind: 'invalid', id: 'basic-malformed', name: 'basic, malformed', hashes: false },
  { kind: 'invalid', id: 'unsupported-scheme', name: 'unsupported scheme', hashes: false },
  { kind: 'invalid', id: 'token-expired', name: 'token expired', hashes: false },
  {
    kind: 'invalid',
    id: 'token-flipped-signature',
    name: 'token with a flipped signature character',
    hashes: false,
  },
  {
    kind: 'invalid',
    id: 'token-promoted-payload',
    name: 'token promoted to admin, signature kept',
    hashes: false,
  },
  { kind: 'invalid', id: 'token-alg-none', name: 'token alg none', hashes: false },
  { kind: 'invalid', id: 'token-future-dated', name: 'token issued in the future', hashes: false },
  { kind: 'invalid', id: 'token-removed-user', name: 'token of a removed user', hashes: false },
  {
    kind: 'invalid',
    id: 'token-changed-password',
    name: 'token of a user whose password changed',
    hashes: false,
  },
];

/** All twenty: none, the invalid ones, each role via Basic, each role via a token. */
export function identitySpecs(): IdentitySpec[] {
  return [
    { kind: 'none', id: 'none', name: 'no credentials' },
    ...invalidIdentities,
    ...securityRoles.map(
      (role): IdentitySpec => ({
        kind: 'valid',
        id: `${role}-basic`,
        name: `${role} via basic`,
        role,
        via: 'basic',
      }),
    ),
    ...securityRoles.map(
      (role): IdentitySpec => ({
        kind: 'valid',
        id: `${role}-token`,
        name: `${role} via token`,
        role,
        via: 'token',
      }),
    ),
  ];
}
