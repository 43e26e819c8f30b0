import { keyMax, keyMin } from '../../src/storage/keys.ts';
import type { Engine } from '../../src/storage/engine.ts';
import type { Prng } from '../../src/util/prng.ts';
import type { ModelOp } from './model.ts';

/** One step of a crash workload: a state change, or maintenance that must not change state. */
export type WorkloadStep = { kind: 'op'; op: ModelOp } | { kind: 'checkpoint' } | { kind: 'compact' };

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

export function submitOp(engine: Engine, op: ModelOp): Promise<unknown> {
  switch (op.kind) {
    case 'put':
      return engine.write(op.series, op.points);
    case 'deleteRange':
      return engine.deleteRange(op.series, op.from, op.to);
    case 'dropSeries':
      return engine.dropSeries(op.series);
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
export async function runWorkload(engine: Engine, workload: WorkloadStep[][]): Promise<WorkloadOutcome> {
  const submitted: ModelOp[] = [];
  const acknowledged = new Set<number>();
  for (const round of workload) {
    const pending: Promise<unknown>[] = [];
    for (const step of round) {
      if (step.kind === 'op') {
        const index = submitted.length;
        submitted.push(step.op);
        pending.push(submitOp(engine, step.op).then(() => acknowledged.add(index)));
      } else {
        pending.push(step.kind === 'checkpoint' ? engine.checkpoint() : engine.compact());
      }
    }
    const results = await Promise.allSettled(pending);
    if (results.some((r) => r.status === 'rejected')) break;
  }
  return { submitted, acknowledged };
}
