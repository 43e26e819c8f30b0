import {
  acknowledgedPrefix,
  createPrng,
  generateWorkload,
  isOmenDbError,
  matchingPrefix,
  type ModelOp,
  type Prng,
  runWorkload,
  submitOp,
} from '@omendb/engine';
import type { EngineAdapter } from '../adapter.ts';
import { readState } from '../history/read-state.ts';
import {
  ioFaultDriveWritesMax,
  ioFaultSkipMax,
  powerLossRoundsMin,
  powerLossRoundsSpread,
} from '../limits.ts';
import { simFileSystemOf, type TargetOperation, workloadTargetOf } from './sim-adapter.ts';
import { stateFingerprint } from './state-diff.ts';
import type { ViolationTally } from './violations.ts';

/**
 * One injected I/O fault: a full disk (ENOSPC) on a write, or a failed fsync (EIO), at a seeded
 * I/O call of a workload, on the WAL or on a segment or manifest being written by a flush or a
 * compaction. The fault stays (a full disk stays full). After it the engine must refuse every
 * write with its registry code (OMENDB_ERR_WAL_IO for the write that met the fault,
 * OMENDB_ERR_ENGINE_FAILED after); then the fault is cleared, the engine restarted (or the power
 * cut), and it must hold every acknowledged write, with the refused ones wholly present or absent.
 */

export type IoFaultKind = 'enospc-write' | 'eio-fsync';
export const ioFaultKinds: readonly IoFaultKind[] = ['enospc-write', 'eio-fsync'];

export type IoFaultViolation =
  | 'write-accepted-after-fault'
  | 'fault-wrong-code'
  | 'fault-lost-acknowledged'
  | 'fault-inconsistent-state'
  | 'fault-reopen-failed';

export const ioFaultViolationKinds: readonly IoFaultViolation[] = [
  'write-accepted-after-fault',
  'fault-wrong-code',
  'fault-lost-acknowledged',
  'fault-inconsistent-state',
  'fault-reopen-failed',
];

/** The codes a write refused after an I/O fault may carry. */
export const faultRefusalCodes: ReadonlySet<string> = new Set([
  'OMENDB_ERR_WAL_IO',
  'OMENDB_ERR_ENGINE_FAILED',
]);

export type IoFaultOutcome = 'passed' | 'failed' | 'not-reached';

const probeSeries = 'fault.probe';
const writeOperations: ReadonlySet<TargetOperation> = new Set(['write', 'deleteRange', 'dropSeries']);

function errno(code: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code} (injected by crash-power-loss)`);
  error.code = code;
  return error;
}

function codeOf(error: unknown): string {
  return isOmenDbError(error) ? error.code : `non-registry error: ${String(error)}`;
}

/** Lets the engine react to a fault it met in the background (a flush) before it is probed. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs one fault case on `adapter` (open, fresh, over the simulated file system). */
export async function runIoFaultCase(
  adapter: EngineAdapter,
  kind: IoFaultKind,
  prng: Prng,
  violations: ViolationTally,
): Promise<IoFaultOutcome> {
  const sim = simFileSystemOf(adapter);
  const caseSeed = prng.int(2 ** 32);
  const skip = prng.int(ioFaultSkipMax + 1);
  const where = `${kind} case seed ${caseSeed}, after ${skip} matching I/O calls`;
  let seen = 0;
  let fired = false;
  sim.injectError((op) => {
    if (kind === 'enospc-write' ? op.kind !== 'write' : op.kind !== 'sync') return undefined;
    if (seen++ < skip) return undefined;
    fired = true;
    return errno(kind === 'enospc-write' ? 'ENOSPC' : 'EIO');
  });
  const refusals: string[] = [];
  const target = workloadTargetOf(adapter, (operation, error) => {
    if (writeOperations.has(operation)) refusals.push(codeOf(error));
  });
  const workloadPrng = createPrng(caseSeed);
  const outcome = await runWorkload(
    target,
    generateWorkload(workloadPrng, powerLossRoundsMin + workloadPrng.int(powerLossRoundsSpread)),
  );
  // A short workload may end before the fault: more single writes reach it (each appends and fsyncs).
  for (let i = 0; i < ioFaultDriveWritesMax && !fired; i++) {
    const op: ModelOp = { kind: 'put', series: 'fault.drive', points: [[BigInt(i), i]] };
    const index = outcome.submitted.length;
    outcome.submitted.push(op);
    await submitOp(target, op).then(
      () => outcome.acknowledged.add(index),
      () => undefined,
    );
  }
  if (!fired) {
    sim.injectError(undefined);
    return 'not-reached';
  }
  await nextTurn();
  // The engine has failed: one more write must be refused with its code, never acknowledged.
  const probe: ModelOp = { kind: 'put', series: probeSeries, points: [[1n, 1]] };
  const probeIndex = outcome.submitted.length;
  outcome.submitted.push(probe);
  let passed = true;
  try {
    await submitOp(target, probe);
    outcome.acknowledged.add(probeIndex);
    violations.add('write-accepted-after-fault', `${where}: a write after the fault was acknowledged`);
    passed = false;
  } catch {
    // Refused, as it must be; its code was recorded with the others.
  }
  const wrongCodes = refusals.filter((code) => !faultRefusalCodes.has(code));
  if (wrongCodes.length > 0) {
    violations.add(
      'fault-wrong-code',
      `${where}: writes refused with ${[...new Set(wrongCodes)].join(', ')}`,
    );
    passed = false;
  }
  sim.injectError(undefined);
  const viaPowerLoss = prng.chance(0.5);
  try {
    if (viaPowerLoss) await adapter.powerLoss(prng.int(2 ** 32));
    else await adapter.restart();
  } catch (error) {
    violations.add(
      'fault-reopen-failed',
      `${where}: ${viaPowerLoss ? 'power loss' : 'restart'}: ${codeOf(error)}`,
    );
    return 'failed';
  }
  const fingerprint = stateFingerprint(await readState(adapter));
  if (matchingPrefix(fingerprint, outcome, acknowledgedPrefix(outcome)) === undefined) {
    const lost = matchingPrefix(fingerprint, outcome, 0) !== undefined;
    violations.add(
      lost ? 'fault-lost-acknowledged' : 'fault-inconsistent-state',
      `${where}, then ${viaPowerLoss ? 'power loss' : 'restart'}: ${outcome.acknowledged.size} of ${outcome.submitted.length} acknowledged`,
    );
    return 'failed';
  }
  return passed ? 'passed' : 'failed';
}
