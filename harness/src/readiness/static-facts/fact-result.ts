import { isOmenDbError } from '@omendb/engine';
import { staticFactOffendersShown } from '../../limits.ts';
import type { StaticFactResult } from '../types.ts';

/**
 * How a static fact turns what it counted into a result. A fact with nothing to count, or whose
 * evidence could not be read, scores 0 and says "no evidence": an empty set never passes.
 */

export function noEvidence(why: string): StaticFactResult {
  return { value: 0, pass: false, detail: `no evidence: ${why}` };
}

/** The first offenders by name, and how many more there are. */
export function listOffenders(offenders: readonly string[]): string {
  const shown = offenders.slice(0, staticFactOffendersShown).join('; ');
  const more = offenders.length - staticFactOffendersShown;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * The share of `total` items that passed, x 100 (one decimal); passes only when every one did.
 * `counted` names the items, e.g. 'routes documented'.
 */
export function shareResult(counted: string, total: number, offenders: readonly string[]): StaticFactResult {
  if (total === 0) return noEvidence(`nothing to count (0 ${counted})`);
  if (offenders.length > total)
    throw new Error('OmenDB harness invariant violated: more offenders than items counted');
  const passed = total - offenders.length;
  const value = Math.round((passed / total) * 1000) / 10;
  const head = `${passed}/${total} ${counted}`;
  return {
    value,
    pass: offenders.length === 0,
    detail: offenders.length === 0 ? head : `${head}; failing: ${listOffenders(offenders)}`,
  };
}

/** An expected failure (a registry code, or a system error such as ENOENT), as opposed to a bug. */
function isExpectedFailure(error: unknown): error is Error {
  if (isOmenDbError(error)) return true;
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function failureText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `${String(code)}: ${error.message}`;
}

/**
 * Runs a fact's evaluation; evidence that cannot be had (a missing file, a server that did not
 * start, a command that failed) becomes "no evidence" with its code. Bugs (anything else) propagate.
 */
export async function guarded(evaluate: () => Promise<StaticFactResult>): Promise<StaticFactResult> {
  try {
    return await evaluate();
  } catch (error) {
    if (isExpectedFailure(error)) return noEvidence(failureText(error));
    throw error;
  }
}
