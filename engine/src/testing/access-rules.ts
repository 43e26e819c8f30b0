import type { ErrorCode } from '../errors.ts';
import type { Access, Role } from '../server/roles.ts';
import type { IdentitySpec } from './identity-kinds.ts';

/**
 * The expected answer of every route x identity cell: the engine's authorization-matrix test and
 * the harness's security scenario both judge the server by this table. It is the README's route
 * table, written independently of roles.ts (what the server enforces), so that the server is
 * checked against its documentation rather than against itself.
 */

export const accessLevels = [
  'public',
  'user',
  'read',
  'write',
  'admin',
  'monitor',
] as const satisfies readonly Access[];

/** Who may use a route of each access level. */
export const accessAllowedRoles: Readonly<Record<Exclude<Access, 'public'>, readonly Role[]>> = {
  user: ['admin', 'writer', 'reader', 'monitor'],
  read: ['admin', 'writer', 'reader'],
  write: ['admin', 'writer'],
  admin: ['admin'],
  monitor: ['admin', 'monitor'],
};

export function isAccessLevel(value: unknown): value is Access {
  return typeof value === 'string' && (accessLevels as readonly string[]).includes(value);
}

/**
 * 'success': the route's own answer (neither 401 nor 403: the caller got past authorization).
 * 401 and 403 carry the registry code the server answers with.
 */
export type ExpectedAnswer =
  | { readonly status: 'success' }
  | { readonly status: 401 | 403; readonly code: ErrorCode };

export function expectedAnswer(access: Access, identity: IdentitySpec): ExpectedAnswer {
  if (access === 'public') return { status: 'success' };
  if (identity.kind === 'none') return { status: 401, code: 'OMENDB_ERR_AUTH_REQUIRED' };
  if (identity.kind === 'invalid') return { status: 401, code: 'OMENDB_ERR_AUTH_INVALID' };
  if (!accessAllowedRoles[access].includes(identity.role))
    return { status: 403, code: 'OMENDB_ERR_AUTH_FORBIDDEN' };
  // Only a password buys a token: a token cannot renew itself.
  if (access === 'user' && identity.via === 'token') return { status: 401, code: 'OMENDB_ERR_AUTH_INVALID' };
  return { status: 'success' };
}
