import { describe, expect, it } from 'vitest';
import { type Access, roleAllows, roles } from '../../src/server/roles.ts';
import {
  accessAllowedRoles,
  accessLevels,
  expectedAnswer,
  isAccessLevel,
} from '../../src/testing/access-rules.ts';
import { identitySpecs } from '../../src/testing/identity-kinds.ts';

describe('the access rules of the authorization matrix', () => {
  it('agree with what the server enforces (roles.ts), written apart from it', () => {
    for (const access of accessLevels.filter(
      (level): level is Exclude<Access, 'public'> => level !== 'public',
    ))
      for (const role of roles)
        expect(accessAllowedRoles[access].includes(role), `${role} ${access}`).toBe(roleAllows(role, access));
  });

  it('expect success on public routes, 401 without or with bad credentials, 403 for a role not allowed', () => {
    const identities = identitySpecs();
    expect(identities).toHaveLength(20);
    const byId = (id: string) => identities.find((identity) => identity.id === id)!;
    for (const identity of identities)
      expect(expectedAnswer('public', identity)).toEqual({ status: 'success' });
    expect(expectedAnswer('read', byId('none'))).toEqual({ status: 401, code: 'OMENDB_ERR_AUTH_REQUIRED' });
    expect(expectedAnswer('read', byId('token-alg-none'))).toEqual({
      status: 401,
      code: 'OMENDB_ERR_AUTH_INVALID',
    });
    expect(expectedAnswer('write', byId('reader-basic'))).toEqual({
      status: 403,
      code: 'OMENDB_ERR_AUTH_FORBIDDEN',
    });
    expect(expectedAnswer('monitor', byId('monitor-token'))).toEqual({ status: 'success' });
    // Only a password buys a token.
    expect(expectedAnswer('user', byId('writer-basic'))).toEqual({ status: 'success' });
    expect(expectedAnswer('user', byId('writer-token'))).toEqual({
      status: 401,
      code: 'OMENDB_ERR_AUTH_INVALID',
    });
    expect(isAccessLevel('admin')).toBe(true);
    expect(isAccessLevel('root')).toBe(false);
    expect(isAccessLevel(undefined)).toBe(false);
  });
});
