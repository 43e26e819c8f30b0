import { type ExpectedAnswer, expectedAnswer, type IdentitySpec, limits } from '@omendb/engine';
import type { IdentityCell } from './identities.ts';
import { sourceSlots } from './loopback.ts';
import type { RouteOperation } from './openapi-routes.ts';
import { describeAnswer, errorCodeOf, type ProbeAnswer } from './probe-client.ts';
import { cellRequest, type MatrixTargets } from './route-requests.ts';
import type { SecurityClient } from './security-client.ts';

/**
 * Every route x every identity, each judged against the shared rule table (expectedAnswer):
 * a public route or an allowed role must get past authorization (neither 401 nor 403), a role
 * not allowed gets 403, no or bad credentials get 401. A password cell (a Basic header the server
 * must hash to refuse) may meet the failed-login limiter instead: 429 OMENDB_ERR_AUTH_RATE_LIMITED
 * is then a correct refusal, counted apart. No answer, or a 5xx, is always wrong.
 */

export type CellVerdict = 'right' | 'rate-limited' | 'wrong';

export interface CellResult {
  /** e.g. "GET /v1/series". */
  readonly route: string;
  readonly request: string;
  readonly identity: string;
  /** "success", "401 OMENDB_ERR_AUTH_REQUIRED", ... */
  readonly expected: string;
  readonly got: string;
  readonly verdict: CellVerdict;
}

export interface MatrixResult {
  readonly cells: readonly CellResult[];
  readonly wrong: readonly CellResult[];
  readonly rateLimited: readonly CellResult[];
}

export interface MatrixOptions {
  /** How many source addresses the password cells are spread over (each takes authFailuresMax). */
  readonly passwordAddresses: number;
  readonly onCell?: (done: number, total: number) => void;
}

export function describeExpected(expected: ExpectedAnswer): string {
  return expected.status === 'success' ? 'success' : `${expected.status} ${expected.code}`;
}

export function judgeCell(
  expected: ExpectedAnswer,
  identity: IdentitySpec,
  head: boolean,
  answer: ProbeAnswer,
): CellVerdict {
  if (!answer.answered || answer.status >= 500) return 'wrong';
  const { status } = answer;
  // HEAD answers carry no body, so no code to compare.
  const code = head ? undefined : errorCodeOf(answer);
  if (expected.status === 'success') return status === 401 || status === 403 ? 'wrong' : 'right';
  if (status === expected.status && (head || code === expected.code)) return 'right';
  const limited = status === 429 && (head || code === 'OMENDB_ERR_AUTH_RATE_LIMITED');
  if (expected.status === 401 && identity.kind === 'invalid' && identity.hashes && limited)
    return 'rate-limited';
  return 'wrong';
}

export async function runAuthorizationMatrix(
  client: SecurityClient,
  routes: readonly RouteOperation[],
  identities: readonly IdentityCell[],
  targets: MatrixTargets,
  options: MatrixOptions,
): Promise<MatrixResult> {
  const cells: CellResult[] = [];
  const total = routes.length * identities.length;
  let passwordCells = 0;
  let seq = 0;
  for (const route of routes) {
    for (const identity of identities) {
      const expected = expectedAnswer(route.access, identity);
      const request = cellRequest(route, expected.status === 'success', targets, ++seq);
      let slot: number = identity.kind === 'invalid' ? sourceSlots.matrixInvalid : sourceSlots.matrix;
      if (identity.kind === 'invalid' && identity.hashes) {
        // Fill one address up to the limit, then the next; past the last, the limiter answers.
        const index = Math.min(
          Math.floor(passwordCells++ / limits.authFailuresMax),
          options.passwordAddresses - 1,
        );
        slot = sourceSlots.passwordCellsFirst + index;
      }
      const answer = await client.send({
        method: route.method,
        path: request.path,
        authorization: identity.authorization,
        ...(request.body === undefined ? {} : { body: request.body }),
        slot,
      });
      cells.push({
        route: `${route.method} ${route.path}`,
        request: request.path,
        identity: identity.name,
        expected: describeExpected(expected),
        got: describeAnswer(answer),
        verdict: judgeCell(expected, identity, route.method === 'HEAD', answer),
      });
      options.onCell?.(cells.length, total);
    }
  }
  return {
    cells,
    wrong: cells.filter((cell) => cell.verdict === 'wrong'),
    rateLimited: cells.filter((cell) => cell.verdict === 'rate-limited'),
  };
}
