import { isOmenDbError } from '@omendb/engine';
import type { Outcome } from './history.ts';

/**
 * What a failed operation tells the checkers. A registry code that says the engine refused the
 * request (bad input, a limit, auth) means it certainly did not happen: `fail`. Codes that say
 * the engine could not finish (I/O, a failed engine, an internal server error, no answer) and
 * any error that is not ours leave the effect unknown: the checkers must accept either.
 */

export interface ErrorClass {
  readonly outcome: Exclude<Outcome, 'ok'>;
  readonly code: string;
}

const unknownOutcomeCodes: ReadonlySet<string> = new Set([
  'OMENDB_ERR_HARNESS_UNAVAILABLE',
  'OMENDB_ERR_WAL_IO',
  'OMENDB_ERR_ENGINE_FAILED',
  'OMENDB_ERR_HTTP_INTERNAL',
]);

/** The code recorded for an error that carries no registry code and no system code. */
export const unclassifiedErrorCode = 'UNCLASSIFIED';

export function classifyError(error: unknown): ErrorClass {
  if (isOmenDbError(error))
    return { outcome: unknownOutcomeCodes.has(error.code) ? 'unknown' : 'fail', code: error.code };
  return { outcome: 'unknown', code: systemCode(error) ?? unclassifiedErrorCode };
}

/** A Node system error's code (ECONNRESET, ETIMEDOUT, ...): the most useful name it has. */
function systemCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.length > 0 ? code : undefined;
}
