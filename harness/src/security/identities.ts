import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  basicAuthorization,
  type IdentitySpec,
  identitySpecs,
  invalidCredentials,
  type InvalidIdentityId,
  type Role,
  resignedToken,
  securityRoles,
} from '@omendb/engine';
import {
  securityTokenAttemptsMax,
  securityTokenRetryWaitMsMax,
  securityUserPasswordBytes,
} from '../limits.ts';
import { errorCodeOf, jsonOf } from './probe-client.ts';
import type { SecurityClient } from './security-client.ts';

/**
 * The callers of the authorization matrix, made on the server under test through its admin API:
 * one user per role (random passwords) and a token for each, a user whose token outlives their
 * removal and one whose token outlives a password change, and the forgeries built from those
 * tokens. The admin the endpoint names is used, never changed.
 *
 * Password hashing is slow and serialized on the server (concurrent logins get 429
 * OMENDB_ERR_AUTH_BUSY), so every login here runs alone, and every user change comes before the
 * role tokens are bought: a change of the users file forgets verified Basic headers, and the
 * matrix then finds each role's Basic header verified already.
 */

export interface RoleUser {
  readonly name: string;
  readonly password: string;
  /** The exact header that was verified (the server caches it by its hash). */
  readonly basic: string;
  readonly token: string;
}

export type IdentityCell = IdentitySpec & { readonly authorization: string | undefined };

export interface Identities {
  readonly users: Readonly<Record<Role, RoleUser>>;
  readonly cells: readonly IdentityCell[];
  /** Whether the expired and future-dated tokens were signed with the server's own secret. */
  readonly signedTimes: boolean;
  /** What went wrong while making them (a missing token, a refused control): each fails a check. */
  readonly problems: readonly string[];
}

export interface ProvisionOptions {
  /** The admin's Authorization header (the endpoint's). */
  readonly admin: string;
  /** Makes the user names unique on a server that outlives runs. */
  readonly runId: string;
  readonly tokenSecret?: Uint8Array;
  /** Epoch seconds. */
  readonly now: number;
  /**
   * The users made and not yet removed, kept up to date as they are made: the caller removes them
   * at the end (removeUsers), also when provisioning fails midway.
   */
  readonly ledger: string[];
}

/** A token-shaped stand-in when the server gave none, so that forging it still works (and is refused). */
const placeholderToken = [
  { alg: 'HS256', typ: 'JWT' },
  { sub: 'none', role: 'reader' },
]
  .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
  .concat('c2lnbmF0dXJl')
  .join('.');

const newPassword = (): string => randomBytes(securityUserPasswordBytes).toString('base64url');

/** POST /v1/auth/token with a Basic header, retried while the server is busy hashing another login. */
export async function buyToken(client: SecurityClient, basic: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < securityTokenAttemptsMax; attempt++) {
    const answer = await client.send({ method: 'POST', path: '/v1/auth/token', authorization: basic });
    if (answer.answered && answer.status === 429 && errorCodeOf(answer) === 'OMENDB_ERR_AUTH_BUSY') {
      const retryAfterMs = Number(answer.headers['retry-after'] ?? 1) * 1000;
      await delay(Math.min(Number.isFinite(retryAfterMs) ? retryAfterMs : 1000, securityTokenRetryWaitMsMax));
      continue;
    }
    const token = (jsonOf(answer) as { token?: unknown } | undefined)?.token;
    return answer.answered && answer.status === 200 && typeof token === 'string' ? token : undefined;
  }
  return undefined;
}

export async function provisionIdentities(
  client: SecurityClient,
  options: ProvisionOptions,
): Promise<Identities> {
  const { admin, runId } = options;
  const problems: string[] = [];
  const created = options.ledger;
  const addUser = async (name: string, role: Role, password: string): Promise<void> => {
    await client.expectSuccess({
      method: 'POST',
      path: '/v1/users',
      authorization: admin,
      body: JSON.stringify({ name, role, password }),
    });
    created.push(name);
  };
  const tokenOf = async (name: string, basic: string): Promise<string> => {
    const token = await buyToken(client, basic);
    if (token !== undefined) return token;
    problems.push(`no token for ${name}`);
    return placeholderToken;
  };

  // Every user change first (see above), then the role tokens.
  const roleUsers = securityRoles.map((role) => ({
    role,
    name: `sec-${runId}-${role}`,
    password: newPassword(),
  }));
  for (const { role, name, password } of roleUsers) await addUser(name, role, password);
  const gone = { name: `sec-${runId}-gone`, password: newPassword() };
  const changed = { name: `sec-${runId}-changed`, password: newPassword() };
  await addUser(gone.name, 'admin', gone.password);
  await addUser(changed.name, 'admin', changed.password);
  const goneToken = await tokenOf(gone.name, basicAuthorization(gone.name, gone.password));
  const changedToken = await tokenOf(changed.name, basicAuthorization(changed.name, changed.password));
  await client.expectSuccess({
    method: 'DELETE',
    path: `/v1/users/${gone.name}`,
    authorization: admin,
  });
  created.splice(created.indexOf(gone.name), 1);
  await client.expectSuccess({
    method: 'PUT',
    path: `/v1/users/${changed.name}/password`,
    authorization: admin,
    body: JSON.stringify({ password: newPassword() }),
  });

  const users = {} as Record<Role, RoleUser>;
  for (const { role, name, password } of roleUsers) {
    const basic = basicAuthorization(name, password);
    users[role] = { name, password, basic, token: await tokenOf(name, basic) };
  }

  const signingSecret = await checkedSecret(client, users.admin.token, options, problems);
  const invalid = await invalidCredentials({
    wrongPassword: { name: users.reader.name, password: `not-${users.reader.password}` },
    unknownUser: `sec-${runId}-nobody`,
    adminToken: users.admin.token,
    lowerToken: users.reader.token,
    removedUserToken: goneToken,
    changedPasswordToken: changedToken,
    ...(signingSecret === undefined ? {} : { signingSecret }),
    now: options.now,
  });
  const cells = identitySpecs().map(
    (spec): IdentityCell => ({ ...spec, authorization: headerOf(spec, users, invalid) }),
  );
  return { users, cells, signedTimes: signingSecret !== undefined, problems };
}

function headerOf(
  spec: IdentitySpec,
  users: Readonly<Record<Role, RoleUser>>,
  invalid: Readonly<Record<InvalidIdentityId, string>>,
): string | undefined {
  if (spec.kind === 'none') return undefined;
  if (spec.kind === 'invalid') return invalid[spec.id];
  const user = users[spec.role];
  return spec.via === 'basic' ? user.basic : `Bearer ${user.token}`;
}

/**
 * The token secret, if given and the server accepts the admin token re-signed with it and sound
 * times (the control): only then are the expired and future-dated tokens refused for their times alone.
 */
async function checkedSecret(
  client: SecurityClient,
  adminToken: string,
  options: ProvisionOptions,
  problems: string[],
): Promise<Uint8Array | undefined> {
  if (options.tokenSecret === undefined) return undefined;
  const sound = await resignedToken(adminToken, options.tokenSecret, {
    iat: options.now,
    exp: options.now + 60,
  });
  const control = await client.send({ method: 'GET', path: '/v1/users', authorization: `Bearer ${sound}` });
  if (control.answered && control.status === 200) return options.tokenSecret;
  problems.push('the admin token re-signed with the given token secret and sound times was refused');
  return undefined;
}

/** Removes the users the scenario created (best effort: a user already gone is fine). */
export async function removeUsers(
  client: SecurityClient,
  admin: string,
  names: readonly string[],
): Promise<number> {
  let removed = 0;
  for (const name of names) {
    const answer = await client.send({ method: 'DELETE', path: `/v1/users/${name}`, authorization: admin });
    if (answer.answered && answer.status >= 200 && answer.status < 300) removed++;
  }
  return removed;
}
