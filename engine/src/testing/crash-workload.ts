import { keyMax, keyMin } from '../storage/keys.ts';
import type { Prng } from '../util/prng.ts';
import { MapModel, type ModelOp } from './map-model.ts';

/**
 * The seeded crash driver shared by the engine's crash simulation test and the harness's
 * crash-power-loss scenario: random workloads of concurrent writes, deletes, drops, checkpoints
 * and compactions, a runner that stops when the engine stops answering (a simulated crash), and
 * the recovery check (the recovered state is the model after a prefix of what was submitted).
 */

/** One step of a crash workload: a state change, or maintenance that must not change state. */
export type WorkloadStep = { kind: 'op'; op: ModelOp } | { kind: 'checkpoint' } | { kind: 'compact' };

/**
 * What a workload runs against: the engine, or an adapter in front of it. Without `compact`, the
 * compact steps are skipped (the engine's own background compaction still runs).
 */
export interface WorkloadTarget {
  write(series: string, points: [bigint, number][]): Promise<unknown>;
  deleteRange(series: string, from: bigint, to: bigint): Promise<unknown>;
  dropSeries(series: string): Promise<unknown>;
  checkpoint(): Promise<unknown>;
  compact?(): Promise<unknown>;
}

const seriesNames = ['cpu', 'mem', 'disk.io'];

function randomKey(prng: Prng): bigint {
  // Mostly a small domain so that overwrites and deletes hit; sometimes the int64 extremes.
  const roll = prng.int(20);
  if (roll === 0) return keyMin + BigInt(prng.int(3));
  if (roll === 1) return keyMax - BigInt(prng.int(3));
  return BigInt(prng.int(64) - 8);
}

function randomOp(prng: Prng): ModelOp {
  const series = prng.pick(seriesNames);
  const roll = prng.int(20);
  if (roll < 15) {
    const count = 1 + prng.int(prng.chance(0.2) ? 200 : 8);
    const points: [bigint, number][] = [];
    for (let i = 0; i < count; i++) points.push([randomKey(prng), prng.int(1_000_000) / 8]);
    return { kind: 'put', series, points };
  }
  if (roll < 19) {
    const a = randomKey(prng);
    const b = a + BigInt(prng.int(16));
    return { kind: 'deleteRange', series, from: a, to: b > keyMax ? keyMax : b };
  }
  return { kind: 'dropSeries', series };
}

/** A random sequence of rounds; the steps of a round are issued concurrently. */
export function generateWorkload(prng: Prng, rounds: number): WorkloadStep[][] {
  const workload: WorkloadStep[][] = [];
  for (let r = 0; r < rounds; r++) {
    const round: WorkloadStep[] = [];
    const width = 1 + prng.int(4);
    for (let i = 0; i < width; i++) {
      const roll = prng.int(12);
      if (roll === 0) round.push({ kind: 'checkpoint' });
      else if (roll === 1) round.push({ kind: 'compact' });
      else round.push({ kind: 'op', op: randomOp(prng) });
    }
    workload.push(round);
  }
  return workload;
}

export function submitOp(target: WorkloadTarget, op: ModelOp): Promise<unknown> {
  switch (op.kind) {
    case 'put':
      return target.write(op.series, op.points);
    case 'deleteRange':
      return target.deleteRange(op.series, op.from, op.to);
    case 'dropSeries':
      return target.dropSeries(op.series);
  }
}

export interface WorkloadOutcome {
  /** State changes in submission order, which is WAL sequence order. */
  submitted: ModelOp[];
  /** Indexes into `submitted` whose promise resolved. */
  acknowledged: Set<number>;
}

/**
 * Runs the workload until it ends or the engine stops answering (the simulated crash).
 * Submission order equals WAL order because the engine assigns sequence numbers synchronously.
 */
export async function runWorkload(
  target: WorkloadTarget,
  workload: WorkloadStep[][],
): Promise<WorkloadOutcome> {
  const submitted: ModelOp[] = [];
  const acknowledged = new Set<number>();
  for (const round of workload) {
    const pending: Promise<unknown>[] = [];
    for (const step of round) {
      if (step.kind === 'op') {
        const index = submitted.length;
        submitted.push(step.op);
        pending.push(submitOp(target, step.op).then(() => acknowledged.add(index)));
      } else if (step.kind === 'checkpoint') {
        pending.push(target.checkpoint());
      } else if (target.compact !== undefined) {
        pending.push(target.compact());
      }
    }
    const results = await Promise.allSettled(pending);
    if (results.some((r) => r.status === 'rejected')) break;
  }
  return { submitted, acknowledged };
}

/**
 * The recovery check: the length of the shortest prefix of `outcome.submitted` whose model state
 * has `fingerprint`, among the prefixes of at least `requiredOps` operations; undefined when none
 * matches (a lost acknowledged write, a partial batch, a reordering, a resurrected delete).
 * Pass `acknowledgedPrefix(outcome)` as `requiredOps` when every acknowledged write must survive
 * (sync 'commit'), 0 when none need to (sync 'none'). `initial` is the state the workload started
 * from (as operations), for workloads run on top of an earlier one.
 */
export function matchingPrefix(
  fingerprint: string,
  outcome: WorkloadOutcome,
  requiredOps: number,
  initial: readonly ModelOp[] = [],
): number | undefined {
  const model = new MapModel();
  for (const op of initial) model.apply(op);
  if (requiredOps === 0 && fingerprint === model.fingerprint()) return 0;
  for (let k = 0; k < outcome.submitted.length; k++) {
    model.apply(outcome.submitted[k] as ModelOp);
    if (k + 1 >= requiredOps && fingerprint === model.fingerprint()) return k + 1;
  }
  return undefined;
}

/** How many submitted operations a recovery must keep: all up to the last acknowledged one. */
export function acknowledgedPrefix(outcome: WorkloadOutcome): number {
  let last = -1;
  for (const index of outcome.acknowledged) if (index > last) last = index;
  return last + 1;
}
