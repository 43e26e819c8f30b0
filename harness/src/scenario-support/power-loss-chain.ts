import {
  acknowledgedPrefix,
  createPrng,
  generateWorkload,
  matchingPrefix,
  type Prng,
  runWorkload,
  type SimFileSystem,
  type SimOp,
  type WorkloadOutcome,
} from '@omendb/engine';
import type { EngineAdapter } from '../adapter.ts';
import type { EngineState } from '../history/history.ts';
import { readState } from '../history/read-state.ts';
import {
  powerLossOpsPerStepInitial,
  powerLossRestartCrashShare,
  powerLossRestartOpsInitial,
  powerLossRoundsMin,
  powerLossRoundsSpread,
} from '../limits.ts';
import { simFileSystemOf, stateAsOps, workloadTargetOf } from './sim-adapter.ts';
import { stateFingerprint } from './state-diff.ts';
import { Counter, type ViolationTally } from './violations.ts';

/**
 * A chain of crash points on one engine over the simulated file system. Each point arms a power
 * loss at a seeded I/O step of what comes next (a random workload of concurrent writes, deletes,
 * drops, checkpoints and compactions, or, now and then, a clean restart), lets it run into the
 * crash, cuts the power (unsynced data lost, kept or torn, file by file, chosen by a seed), lets
 * the adapter recover, and reads the state back: it must be the state before the workload plus
 * a prefix of what was submitted that holds every acknowledged operation. The next point starts
 * from that recovered state, so recovery is also tested on top of earlier recoveries.
 */

export type CrashViolation =
  | 'lost-acknowledged'
  | 'inconsistent-state'
  | 'reopen-failed'
  | 'read-failed'
  | 'restart-changed-state';

export const crashViolationKinds: readonly CrashViolation[] = [
  'lost-acknowledged',
  'inconsistent-state',
  'reopen-failed',
  'read-failed',
  'restart-changed-state',
];

export class PowerLossStats {
  crashPoints = 0;
  /** The armed I/O step was reached inside the workload. */
  crashesInWorkload = 0;
  /** The workload or restart finished first: the power went right after it (unsynced data still at risk). */
  crashesBetweenOperations = 0;
  /** The armed I/O step was reached inside a clean restart: the close's flush or the reopen's recovery. */
  crashesInRestart = 0;
  submittedOps = 0;
  acknowledgedOps = 0;
  /**
   * Crashes by the file of the last I/O call before the power went: wal, segments, manifest, lock,
   * directory; none when the power went at the first I/O call of the workload or restart.
   */
  readonly crashedAfterIoOn = new Counter();
}

/** Learns how many I/O calls a workload step and a restart take, to spread crash points over them. */
export class IoEstimator {
  private opsPerStep = powerLossOpsPerStepInitial;
  private restartOps = powerLossRestartOpsInitial;

  workloadOps(steps: number): number {
    return Math.max(1, Math.round(this.opsPerStep * steps));
  }

  restart(): number {
    return this.restartOps;
  }

  observeWorkload(ops: number, steps: number): void {
    this.opsPerStep = (this.opsPerStep * 3 + ops / Math.max(1, steps)) / 4;
  }

  observeRestart(ops: number): void {
    this.restartOps = Math.max(1, Math.round((this.restartOps * 3 + ops) / 4));
  }
}

export interface ChainContext {
  readonly prng: Prng;
  readonly stats: PowerLossStats;
  readonly violations: ViolationTally;
  readonly estimator: IoEstimator;
}

/** What the I/O call touched: the WAL, segments (flush, compaction), the manifest, the lock, a directory. */
export function fileClass(path: string | undefined): string {
  if (path === undefined) return 'none';
  if (/\/segments(\/|$)/.test(path)) return 'segments';
  if (/\/wal(\/|$)/.test(path)) return 'wal';
  if (path.includes('MANIFEST')) return 'manifest';
  if (path.endsWith('/LOCK')) return 'lock';
  return 'directory';
}

/** Records the last I/O call, so a crash can be told apart by where it struck. */
function watchLastOp(sim: SimFileSystem): { last(): SimOp | undefined } {
  let last: SimOp | undefined;
  sim.injectError((op) => {
    last = op;
    return undefined;
  });
  return { last: () => last };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}

/**
 * Runs up to `points` crash points on `adapter` (open, over the simulated file system). Returns
 * the crash points run; fewer than asked when a violation leaves the engine's state unknown
 * (the chain then ends: the caller goes on with a fresh engine).
 */
export async function runPowerLossChain(
  adapter: EngineAdapter,
  points: number,
  chain: ChainContext,
): Promise<number> {
  let state = await readState(adapter);
  for (let point = 0; point < points; point++) {
    const next = chain.prng.chance(powerLossRestartCrashShare)
      ? await crashInRestart(adapter, state, chain)
      : await crashInWorkload(adapter, state, chain);
    if (next === undefined) return point + 1;
    state = next;
  }
  return points;
}

/** Cuts the power and reads the recovered state; undefined (after recording why) when that fails. */
async function powerLossAndRead(
  adapter: EngineAdapter,
  sim: SimFileSystem,
  watcher: { last(): SimOp | undefined },
  chain: ChainContext,
  where: string,
): Promise<EngineState | undefined> {
  chain.stats.crashPoints++;
  if (sim.crashed) chain.stats.crashedAfterIoOn.add(fileClass(watcher.last()?.path));
  const seed = chain.prng.int(2 ** 32);
  try {
    await adapter.powerLoss(seed);
  } catch (error) {
    chain.violations.add('reopen-failed', `${where}, power-loss seed ${seed}: ${describe(error)}`);
    return undefined;
  }
  try {
    return await readState(adapter);
  } catch (error) {
    chain.violations.add('read-failed', `${where}, power-loss seed ${seed}: ${describe(error)}`);
    return undefined;
  }
}

async function crashInWorkload(
  adapter: EngineAdapter,
  before: EngineState,
  chain: ChainContext,
): Promise<EngineState | undefined> {
  const { prng, stats } = chain;
  const workloadSeed = prng.int(2 ** 32);
  // Its own stream, so that the workload a seed names does not depend on what ran before it.
  const workload = generateWorkload(
    createPrng(workloadSeed),
    powerLossRoundsMin + prng.int(powerLossRoundsSpread),
  );
  const steps = workload.reduce((sum, round) => sum + round.length, 0);
  const sim = simFileSystemOf(adapter);
  const watcher = watchLastOp(sim);
  const start = sim.opCount;
  const crashAt = start + prng.int(chain.estimator.workloadOps(steps) + 1);
  sim.failAtOp(crashAt);
  const outcome: WorkloadOutcome = await runWorkload(workloadTargetOf(adapter), workload);
  if (sim.crashed) stats.crashesInWorkload++;
  else {
    stats.crashesBetweenOperations++;
    chain.estimator.observeWorkload(sim.opCount - start, steps);
  }
  stats.submittedOps += outcome.submitted.length;
  stats.acknowledgedOps += outcome.acknowledged.size;
  const where = `workload seed ${workloadSeed}, crash at I/O step ${crashAt - start} of the workload`;
  const after = await powerLossAndRead(adapter, sim, watcher, chain, where);
  if (after === undefined) return undefined;
  const fingerprint = stateFingerprint(after);
  const initial = stateAsOps(before);
  if (matchingPrefix(fingerprint, outcome, acknowledgedPrefix(outcome), initial) !== undefined) return after;
  // Some shorter prefix matches: acknowledged operations were lost. None: the state is no prefix at all.
  const kind: CrashViolation =
    matchingPrefix(fingerprint, outcome, 0, initial) !== undefined
      ? 'lost-acknowledged'
      : 'inconsistent-state';
  chain.violations.add(
    kind,
    `${where}: ${outcome.acknowledged.size} of ${outcome.submitted.length} operations acknowledged, the recovered state is ${kind === 'lost-acknowledged' ? 'missing some' : 'no prefix of them'}`,
  );
  return undefined;
}

async function crashInRestart(
  adapter: EngineAdapter,
  before: EngineState,
  chain: ChainContext,
): Promise<EngineState | undefined> {
  const sim = simFileSystemOf(adapter);
  const watcher = watchLastOp(sim);
  const start = sim.opCount;
  const crashAt = start + chain.prng.int(chain.estimator.restart() + 1);
  sim.failAtOp(crashAt);
  const restarted = await adapter.restart().then(
    () => true,
    () => false,
  );
  if (!restarted && !sim.crashed) {
    chain.violations.add('reopen-failed', `restart of a healthy engine failed without a power loss`);
    return undefined;
  }
  if (sim.crashed) chain.stats.crashesInRestart++;
  else {
    chain.stats.crashesBetweenOperations++;
    // A clean restart stays on the same simulated machine: measure it to aim the next ones.
    if (restarted) chain.estimator.observeRestart(sim.opCount - start);
  }
  const where = `restart, crash at I/O step ${crashAt - start} of the restart`;
  const after = await powerLossAndRead(adapter, sim, watcher, chain, where);
  if (after === undefined) return undefined;
  if (stateFingerprint(after) === stateFingerprint(before)) return after;
  chain.violations.add(
    'restart-changed-state',
    `${where}: the state differs from the state before the restart`,
  );
  return undefined;
}
