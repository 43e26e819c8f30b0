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

/** Each invalid kind as [id, name, hashes]; see InvalidIdentitySpec. */
const invalidIdentityRows: readonly (readonly [InvalidIdentityId, string, boolean])[] = [
  ['basic-wrong-password', 'basic, wrong password', true],
  ['basic-unknown-user', 'basic, unknown user', true],
  ['basic-malformed', 'basic, malformed', false],
  ['unsupported-scheme', 'unsupported scheme', false],
  ['token-expired', 'token expired', false],
  ['token-flipped-signature', 'token with a flipped signature character', false],
  ['token-promoted-payload', 'token promoted to admin, signature kept', false],
  ['token-alg-none', 'token alg none', false],
  ['token-future-dated', 'token issued in the future', false],
  ['token-removed-user', 'token of a removed user', false],
  ['token-changed-password', 'token of a user whose password changed', false],
];

export const invalidIdentities: readonly InvalidIdentitySpec[] = invalidIdentityRows.map(
  ([id, name, hashes]) => ({ kind: 'invalid', id, name, hashes }),
);

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
