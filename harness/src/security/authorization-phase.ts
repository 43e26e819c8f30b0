import { isDeepStrictEqual } from 'node:util';
import { basicAuthorization } from '@omendb/engine';
import type { Check } from '../runner/scenario.ts';
import { securityExamplesMax } from '../limits.ts';
import { type MatrixResult, runAuthorizationMatrix } from './authorization-matrix.ts';
import { type Identities, provisionIdentities } from './identities.ts';
import { sourceSlots } from './loopback.ts';
import { routesFromOpenApi } from './openapi-routes.ts';
import { jsonOf } from './probe-client.ts';
import type { MatrixTargets } from './route-requests.ts';
import type { SecurityClient } from './security-client.ts';
import {
  canaryKey,
  expectedCanary,
  readStoredState,
  type StoredState,
  sameState,
  writeCanary,
} from './stored-state.ts';

/**
 * Part 1 of the security scenario: the routes from /openapi.json, the identities, the canary,
 * then every route x every identity, then proof that no refused caller changed anything: the
 * canary and the series list as before, no intruder user, the protected users still there, and
 * the password a refused caller tried to set not working.
 */

export interface AuthorizationPhaseInput {
  readonly admin: string;
  readonly runId: string;
  readonly tokenSecret?: Uint8Array;
  readonly passwordAddresses: number;
  /** The users made and not yet removed (see ProvisionOptions.ledger). */
  readonly userLedger: string[];
  /** The series made: the caller drops them at the end, also when the phase fails midway. */
  readonly seriesLedger: string[];
  readonly onCell?: (done: number, total: number) => void;
}

export interface AuthorizationPhaseResult {
  readonly checks: readonly Check[];
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly identities: Identities;
  readonly canary: string;
  /** The stored state after the canary was written: later phases compare with it. */
  readonly baseline: StoredState;
  readonly matrix: MatrixResult;
}

const hijackPassword = 'security-hijack-password-0';

export async function runAuthorizationPhase(
  client: SecurityClient,
  input: AuthorizationPhaseInput,
): Promise<AuthorizationPhaseResult> {
  const { runId } = input;
  const document = await client.expectSuccess({ method: 'GET', path: '/openapi.json' });
  const { routes, problems } = routesFromOpenApi(document, true);
  const identities = await provisionIdentities(client, {
    admin: input.admin,
    runId,
    ...(input.tokenSecret === undefined ? {} : { tokenSecret: input.tokenSecret }),
    now: Math.floor(Date.now() / 1000),
    ledger: input.userLedger,
  });
  const writer = `Bearer ${identities.users.writer.token}`;
  const reader = `Bearer ${identities.users.reader.token}`;
  const canary = `sec-${runId}-canary`;
  input.seriesLedger.push(canary);
  await writeCanary(client, writer, canary);
  const baseline = await readStoredState(client, reader, canary);

  const targets: MatrixTargets = {
    canary,
    canaryKey,
    scratch: `sec-${runId}-scratch`,
    protectedUser: identities.users.reader.name,
    passwordUser: identities.users.writer.name,
    hijackPassword,
    absentUser: `sec-${runId}-absent`,
    intruderPrefix: `sec-${runId}-intruder-`,
  };
  const matrix = await runAuthorizationMatrix(client, routes, identities.cells, targets, {
    passwordAddresses: input.passwordAddresses,
    ...(input.onCell === undefined ? {} : { onCell: input.onCell }),
  });
  await client.send({ method: 'DELETE', path: `/v1/series/${targets.scratch}`, authorization: writer });
  const changes = await refusedChanges(
    client,
    input.admin,
    reader,
    targets,
    baseline,
    identities.users.writer.basic,
  );

  const checks: Check[] = [
    { name: 'openapi: routes read', pass: routes.length > 0, value: routes.length, threshold: '>= 1' },
    {
      name: 'openapi: every operation declares x-omendb-access',
      pass: problems.length === 0,
      value: problems.length === 0 ? 0 : problems.slice(0, securityExamplesMax).join('; '),
      threshold: '== 0 problems',
    },
    {
      name: 'identities: provisioned',
      pass: identities.problems.length === 0,
      value: identities.problems.length === 0 ? 0 : identities.problems.join('; '),
      threshold: '== 0 problems',
    },
    {
      name: 'canary: written and read back',
      pass: isDeepStrictEqual(baseline.canary, expectedCanary()),
      value: JSON.stringify(baseline.canary).slice(0, 200),
      threshold: '== the points written',
    },
    {
      name: 'authorization matrix: wrong cells',
      pass: matrix.wrong.length === 0 && matrix.cells.length > 0,
      value: matrix.wrong.length,
      threshold: `== 0 of ${matrix.cells.length}`,
    },
    {
      name: 'authorization matrix: refused callers changed nothing',
      pass: changes.length === 0,
      value: changes.length === 0 ? 0 : changes.join('; '),
      threshold: '== 0 changes',
    },
  ];
  return {
    checks,
    metrics: {
      routes: routes.length,
      identities: identities.cells.length,
      cellsTested: matrix.cells.length,
      cellsWrong: matrix.wrong.length,
      cellsRateLimited: matrix.rateLimited.length,
      rateLimitedCells: matrix.rateLimited
        .slice(0, securityExamplesMax)
        .map((c) => `${c.route} as ${c.identity}`),
      wrongCells: matrix.wrong
        .slice(0, securityExamplesMax)
        .map((c) => `${c.route} as ${c.identity}: want ${c.expected}, got ${c.got}`),
      signedTimeTokens: identities.signedTimes,
      openApiProblems: problems.slice(0, securityExamplesMax),
    },
    identities,
    canary,
    baseline,
    matrix,
  };
}

/** What a refused caller could have changed, each change described. */
async function refusedChanges(
  client: SecurityClient,
  admin: string,
  reader: string,
  targets: MatrixTargets,
  baseline: StoredState,
  /** The password user's own Basic header: it must still work. */
  passwordUserBasic: string,
): Promise<string[]> {
  const changes: string[] = [];
  if (!sameState(await readStoredState(client, reader, targets.canary), baseline))
    changes.push('the canary or the series list changed');
  const listed = jsonOf(await client.send({ method: 'GET', path: '/v1/users', authorization: admin })) as
    | { users?: { name?: unknown }[] }
    | undefined;
  const names = (listed?.users ?? []).map((user) => String(user.name));
  if (names.some((name) => name.startsWith(targets.intruderPrefix))) changes.push('an intruder user exists');
  for (const name of [targets.protectedUser, targets.passwordUser])
    if (!names.includes(name)) changes.push(`user ${name} is gone`);
  // The user's own password still works, and the one a refused caller tried to set does not
  // (from an address of its own, which no failed login has limited).
  const own = await client.send({
    method: 'GET',
    path: '/v1/series',
    authorization: passwordUserBasic,
    slot: sourceSlots.hijackCheck,
  });
  const hijacked = await client.send({
    method: 'GET',
    path: '/v1/series',
    authorization: basicAuthorization(targets.passwordUser, hijackPassword),
    slot: sourceSlots.hijackCheck,
  });
  if (!own.answered || own.status !== 200 || !hijacked.answered || hijacked.status < 400)
    changes.push(`the password of ${targets.passwordUser} was changed`);
  return changes;
}
