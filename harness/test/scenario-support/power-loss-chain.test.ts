import { createPrng, type Prng } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../src/adapter.ts';
import { AckBeforeFsync } from '../../src/broken/ack-before-fsync.ts';
import {
  type ChainContext,
  fileClass,
  IoEstimator,
  PowerLossStats,
  runPowerLossChain,
} from '../../src/scenario-support/power-loss-chain.ts';
import { ViolationTally } from '../../src/scenario-support/violations.ts';
import {
  InventsAfterPowerLoss,
  openSimEngine,
  opened,
  PowerLossFails,
  quietLogger,
  ReadsFailAfterPowerLoss,
  RestartFails,
  RestartInvents,
} from './sim-wrappers.ts';

function chainContext(prng: Prng = createPrng(11)): ChainContext {
  return {
    prng,
    stats: new PowerLossStats(),
    violations: new ViolationTally(),
    estimator: new IoEstimator(),
  };
}

/** A generator whose chance() always says `always` (forcing restart or workload crash points). */
function forcing(always: boolean, seed = 5): Prng {
  const prng = createPrng(seed);
  return { ...prng, chance: () => always };
}

async function chain(adapter: EngineAdapter, points: number, context = chainContext()) {
  const ran = await runPowerLossChain(adapter, points, context);
  await adapter.close();
  return { ran, ...context };
}

describe('power-loss chain', () => {
  it('classifies the file of the I/O before a crash', () => {
    expect(fileClass(undefined)).toBe('none');
    expect(fileClass('/db/segments/seg-1.arrow')).toBe('segments');
    expect(fileClass('/db/segments')).toBe('segments');
    expect(fileClass('/db/wal/wal-1.log')).toBe('wal');
    expect(fileClass('/db/wal')).toBe('wal');
    expect(fileClass('/db/MANIFEST.tmp')).toBe('manifest');
    expect(fileClass('/db/LOCK')).toBe('lock');
    expect(fileClass('/db')).toBe('directory');
  });

  it('learns the I/O of a step and of a restart', () => {
    const estimator = new IoEstimator();
    const before = estimator.workloadOps(10);
    for (let i = 0; i < 50; i++) estimator.observeWorkload(1000, 10);
    expect(estimator.workloadOps(10)).toBeGreaterThan(before);
    expect(estimator.workloadOps(0)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 50; i++) estimator.observeRestart(4);
    expect(estimator.restart()).toBeLessThan(10);
  });

  it('keeps every acknowledged write of the honest engine over many crash points', async () => {
    const result = await chain(await openSimEngine(), 60);
    expect(result.ran).toBe(60);
    expect(result.violations.examples()).toEqual([]);
    expect(result.stats.crashPoints).toBe(60);
    expect(result.stats.crashesInWorkload).toBeGreaterThan(0);
    expect(result.stats.acknowledgedOps).toBeGreaterThan(0);
    expect(
      result.stats.crashesInWorkload + result.stats.crashesInRestart + result.stats.crashesBetweenOperations,
    ).toBe(60);
  });

  it('cuts the power inside restarts too, and the state stays', async () => {
    const context = chainContext(forcing(true));
    const result = await chain(await openSimEngine(), 30, context);
    expect(result.violations.total).toBe(0);
    expect(result.stats.crashesInRestart).toBeGreaterThan(0);
  });

  it('finds acknowledged writes lost by an engine that acknowledges before its fsync', async () => {
    const context = chainContext();
    let lost = 0;
    for (let i = 0; i < 10 && lost === 0; i++) {
      await chain(
        await opened(new AckBeforeFsync({ logger: quietLogger, memtableBytesMax: 2048 })),
        10,
        context,
      );
      lost = context.violations.byKind()['lost-acknowledged'] ?? 0;
    }
    expect(lost).toBeGreaterThan(0);
  });

  it('finds a state that is no prefix at all', async () => {
    const result = await chain(await opened(new InventsAfterPowerLoss()), 5, chainContext(forcing(false)));
    expect(result.ran).toBe(1);
    expect(result.violations.byKind()).toEqual({ 'inconsistent-state': 1 });
  });

  it('reports an engine that does not come back, or cannot be read', async () => {
    const down = await chain(await opened(new PowerLossFails()), 5, chainContext(forcing(false)));
    expect(down.violations.byKind()).toEqual({ 'reopen-failed': 1 });
    const unreadable = await chain(
      await opened(new ReadsFailAfterPowerLoss()),
      5,
      chainContext(forcing(false)),
    );
    expect(unreadable.violations.byKind()).toEqual({ 'read-failed': 1 });
  });

  it('reports a restart that fails with no power loss, and one that changes the state', async () => {
    const refused = await chain(await opened(new RestartFails()), 5, chainContext(forcing(true)));
    expect(refused.violations.byKind()).toEqual({ 'reopen-failed': 1 });
    expect(refused.violations.examples()[0]).toMatch(/without a power loss/);
    // Crash points aimed past the restart's end, so the restart completes and adds its point.
    const late = { ...createPrng(9), chance: () => true, int: (bound: number) => bound - 1 };
    const context = chainContext(late);
    for (let i = 0; i < 200; i++) context.estimator.observeRestart(10_000);
    const changed = await chain(await opened(new RestartInvents()), 5, context);
    expect(changed.violations.byKind()).toEqual({ 'restart-changed-state': 1 });
  });
});
