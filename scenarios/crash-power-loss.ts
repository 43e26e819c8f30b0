import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Check, EngineAdapter, Scenario, ScenarioContext, ScenarioOutcome } from '@omendb/harness';
import { powerLossCrashesPerChain, powerLossRunMsMax } from '../harness/src/limits.ts';
import {
  type IoFaultKind,
  ioFaultKinds,
  ioFaultViolationKinds,
  runIoFaultCase,
} from '../harness/src/scenario-support/io-fault-case.ts';
import {
  crashViolationKinds,
  IoEstimator,
  PowerLossStats,
  runPowerLossChain,
} from '../harness/src/scenario-support/power-loss-chain.ts';
import { Counter, ViolationTally } from '../harness/src/scenario-support/violations.ts';

/**
 * crash-power-loss: the embedded engine over the simulated file system (the engine's own
 * SimFileSystem and crash driver, exported from @omendb/engine). Thousands of seeded crash points
 * across writes, flushes, checkpoints, compactions and restarts, each followed by a power loss
 * that loses, keeps or tears unsynced data; then injected I/O faults (ENOSPC on a write, EIO on
 * an fsync). Every acknowledged write must survive; nothing may be half-applied or reordered.
 * An engine that acknowledges before its fsync fails the violations check.
 */

async function runCrashPoints(
  ctx: ScenarioContext,
  target: number,
  stats: PowerLossStats,
  violations: ViolationTally,
) {
  const chain = { prng: ctx.prng, stats, violations, estimator: new IoEstimator() };
  const started = ctx.clock.now();
  let chains = 0;
  let adapter: EngineAdapter = ctx.adapter;
  // Bounded by the crash points asked for and by powerLossRunMsMax; each pass runs at least one.
  while (stats.crashPoints < target && ctx.clock.now() - started < powerLossRunMsMax) {
    if (chains > 0) adapter = await ctx.freshAdapter();
    chains++;
    await runPowerLossChain(adapter, Math.min(powerLossCrashesPerChain, target - stats.crashPoints), chain);
    await adapter.close();
    ctx.progress(stats.crashPoints, target, `${violations.total} violations`);
  }
  return chains;
}

async function runIoFaults(ctx: ScenarioContext, cases: number, violations: ViolationTally) {
  const outcomes = new Counter();
  const byKind = new Counter();
  for (let i = 0; i < cases; i++) {
    const kind: IoFaultKind = ioFaultKinds[i % ioFaultKinds.length] as IoFaultKind;
    const adapter = await ctx.freshAdapter();
    const outcome = await runIoFaultCase(adapter, kind, ctx.prng, violations);
    await adapter.close();
    outcomes.add(outcome);
    if (outcome !== 'not-reached') byKind.add(kind);
  }
  return { outcomes, byKind };
}

export const crashPowerLoss: Scenario = {
  name: 'crash-power-loss',
  category: 'durability',
  description:
    'Seeded power losses at any I/O step of writes, flushes, checkpoints, compactions and restarts over the simulated file system (unsynced data lost, kept or torn), plus ENOSPC and EIO faults: every acknowledged write survives, no batch is partial',
  // durable: the claim checked is that acknowledged writes survive; an adapter that does not make it is skipped.
  requires: ['simulatedPowerLoss', 'durable'],
  params: {
    crashPoints: {
      description: 'power losses, each at a seeded I/O step, followed by recovery and a full check',
      defaults: { ci: 5_000, nightly: 20_000, release: 100_000 },
      min: 1,
      max: 10_000_000,
    },
    ioFaultCases: {
      description: 'injected I/O faults (ENOSPC on a write, EIO on an fsync, alternately)',
      defaults: { ci: 40, nightly: 200, release: 1_000 },
      min: 0,
      max: 1_000_000,
    },
  },
  async run(ctx): Promise<ScenarioOutcome> {
    const crashPoints = Number(ctx.params.crashPoints);
    const ioFaultCases = Number(ctx.params.ioFaultCases);
    const stats = new PowerLossStats();
    const violations = new ViolationTally();
    const started = ctx.clock.now();
    const chains = await runCrashPoints(ctx, crashPoints, stats, violations);
    const crashSeconds = (ctx.clock.now() - started) / 1000;
    const faults = await runIoFaults(ctx, ioFaultCases, violations);
    const faultsPassed = faults.outcomes.get('passed');
    const examplesPath = join(ctx.evidenceDir, 'violations.json');
    await writeFile(
      examplesPath,
      `${JSON.stringify({ seed: ctx.seed, examples: violations.examples() }, null, 2)}\n`,
    );
    ctx.addEvidence(examplesPath);
    const checks: Check[] = [
      { name: 'violations', pass: violations.total === 0, value: violations.total, threshold: '== 0' },
      {
        name: 'crash points',
        pass: stats.crashPoints >= crashPoints,
        value: stats.crashPoints,
        threshold: `>= ${crashPoints}`,
      },
      {
        name: 'io-fault cases passed',
        pass: faultsPassed === ioFaultCases,
        value: faultsPassed,
        threshold: `== ${ioFaultCases}`,
      },
    ];
    return {
      metrics: {
        seed: ctx.seed,
        crashPoints: stats.crashPoints,
        crashesInWorkload: stats.crashesInWorkload,
        crashesInRestart: stats.crashesInRestart,
        crashesBetweenOperations: stats.crashesBetweenOperations,
        crashedAfterIoOn: stats.crashedAfterIoOn.toJSON(),
        chains,
        submittedOps: stats.submittedOps,
        acknowledgedOps: stats.acknowledgedOps,
        crashSeconds: Math.round(crashSeconds * 10) / 10,
        faultsInjected: faults.byKind.toJSON(),
        ioFaultOutcomes: faults.outcomes.toJSON(),
        violations: violations.byKind([...crashViolationKinds, ...ioFaultViolationKinds]),
        violationExamples: violations.examples(),
      },
      checks,
    };
  },
};
