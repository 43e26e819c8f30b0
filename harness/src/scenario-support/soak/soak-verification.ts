import { readFile, writeFile } from 'node:fs/promises';
import type { EngineAdapter } from '../../adapter.ts';
import type { CheckerResult } from '../../history/checkers/checker-result.ts';
import { checkSetFull } from '../../history/checkers/set-full.ts';
import { classifyError } from '../../history/classify-error.ts';
import { readState } from '../../history/read-state.ts';
import { soakHistoryEntriesMax } from '../../limits.ts';
import type { PrunedHistory, PrunedHistoryStats } from './pruned-history.ts';
import type { SoakVerification } from './soak-verdicts.ts';

/**
 * The soak's final verification: the whole state read back and the set-full checker run over the
 * pruned history. Written to verification.json beside the interval file, where report-soak finds
 * it; a run killed before it has none, and its report says the data was not verified.
 */

export const verificationFileName = 'verification.json';

export async function verifySoak(adapter: EngineAdapter, history: PrunedHistory): Promise<SoakVerification> {
  if (history.overflowed)
    return {
      verified: false,
      reason: `the history outgrew ${soakHistoryEntriesMax} entries (deletes kept failing?)`,
    };
  let state: Awaited<ReturnType<typeof readState>>;
  try {
    state = await readState(adapter);
  } catch (error) {
    return { verified: false, reason: `reading the final state failed: ${classifyError(error).code}` };
  }
  return { verified: true, result: checkSetFull(history, state) };
}

export async function writeVerification(
  path: string,
  verification: SoakVerification,
  history: PrunedHistoryStats,
): Promise<void> {
  await writeFile(path, `${JSON.stringify({ ...verification, history }, null, 2)}\n`);
}

/** The verification beside an interval file; undefined when there is none (a partial run). */
export async function readVerification(path: string): Promise<SoakVerification | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: { verified?: unknown; reason?: unknown; result?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { verified: false, reason: `${verificationFileName} is not JSON` };
  }
  if (parsed.verified === true && isCheckerResult(parsed.result))
    return { verified: true, result: parsed.result };
  if (parsed.verified === false && typeof parsed.reason === 'string')
    return { verified: false, reason: parsed.reason };
  return { verified: false, reason: `${verificationFileName} holds no verification` };
}

function isCheckerResult(value: unknown): value is CheckerResult {
  const r = value as Partial<CheckerResult> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.pass === 'boolean' &&
    typeof r.checker === 'string' &&
    typeof r.counts === 'object' &&
    Array.isArray(r.mustBeZero)
  );
}
