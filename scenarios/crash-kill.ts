import { createPrng } from '@omendb/engine';
import type { Check, HistoryEntry, Scenario, ScenarioContext, ScenarioOutcome } from '@omendb/harness';
import {
  checkAtomicBatches,
  checkDeletesStayDeleted,
  checkerChecks,
  checkSetFull,
  readState,
} from '@omendb/harness';
import {
  crashKillPauseMsMax,
  crashKillPauseMsMin,
  crashKillRunMsMax,
  crashKillRunWindowMsMax,
  crashKillRunWindowMsMin,
} from '../harness/src/limits.ts';
import { Gate } from '../harness/src/scenario-support/gate.ts';
import { KillClient } from '../harness/src/scenario-support/kill-client.ts';

/**
 * crash-kill: concurrent clients write batches of fresh keys, overwrite some keys and delete
 * ranges against a spawned server, every operation in the history; the server is SIGKILLed at
 * seeded random moments (in some trials after being paused for a few seconds, so that clients
 * time out with unknown outcomes), restarted, and the clients go on. At the end the state is read
 * back, and read again after one more restart, and the checkers run: every acknowledged point
 * present with its value (set-full), unknown batches wholly present or absent and stable across
 * the restart (atomic-batches), acknowledged deletes never undone (deletes-stay-deleted).
 */

interface TrialStats {
  trials: number;
  kills: number;
  pauses: number;
  checkpoints: number;
  checkpointsCompleted: number;
  restartMs: number[];
}

interface TrialShares {
  readonly pause: number;
  readonly checkpoint: number;
}

/**
 * Clients run for a seeded window; in some trials a checkpoint starts at a seeded moment of it
 * (so kills also land inside flushes, and the WAL that a restart replays stays bounded), in some
 * the server is paused before the kill.
 */
async function runTrials(
  ctx: ScenarioContext,
  kills: number,
  shares: TrialShares,
  gate: Gate,
): Promise<TrialStats> {
  const { adapter, clock } = ctx;
  const prng = createPrng(ctx.prng.int(2 ** 32));
  const stats: TrialStats = {
    trials: 0,
    kills: 0,
    pauses: 0,
    checkpoints: 0,
    checkpointsCompleted: 0,
    restartMs: [],
  };
  const started = clock.now();
  while (stats.kills < kills && clock.now() - started < crashKillRunMsMax) {
    stats.trials++;
    const window = crashKillRunWindowMsMin + prng.int(crashKillRunWindowMsMax - crashKillRunWindowMsMin + 1);
    if (adapter.capabilities.checkpoint && prng.chance(shares.checkpoint)) {
      const at = prng.int(window + 1);
      await clock.sleep(at);
      stats.checkpoints++;
      // Not awaited: the kill may land inside it (then it fails, as it may).
      void adapter.checkpoint().then(
        () => stats.checkpointsCompleted++,
        () => undefined,
      );
      await clock.sleep(window - at);
    } else {
      await clock.sleep(window);
    }
    if (adapter.capabilities.pausable && prng.chance(shares.pause)) {
      await adapter.pause();
      stats.pauses++;
      await clock.sleep(crashKillPauseMsMin + prng.int(crashKillPauseMsMax - crashKillPauseMsMin + 1));
    }
    // The kill lands while operations are in flight; the gate then holds new ones until the restart.
    await adapter.kill();
    gate.close();
    stats.kills++;
    const restartAt = clock.now();
    await adapter.restart();
    stats.restartMs.push(clock.now() - restartAt);
    gate.open();
    ctx.progress(stats.kills, kills, `${stats.pauses} paused first`);
  }
  return stats;
}

function countOutcomes(entries: readonly HistoryEntry[]) {
  let unknownBatches = 0;
  let failedOps = 0;
  for (const entry of entries) {
    if (entry.op === 'write' && entry.outcome === 'unknown') unknownBatches++;
    if (entry.outcome === 'fail') failedOps++;
  }
  return { unknownBatches, failedOps };
}

export const crashKill: Scenario = {
  name: 'crash-kill',
  category: 'durability',
  description:
    'Concurrent clients write, overwrite and delete against a spawned server that is SIGKILLed (sometimes paused first) at seeded moments and restarted: no acknowledged point lost or wrong, no unknown batch partial, no delete undone',
  requires: ['killable', 'restartable'],
  params: {
    kills: {
      description: 'SIGKILLs of the server, each followed by a restart',
      defaults: { ci: 25, nightly: 60, release: 200 },
      min: 1,
      max: 100_000,
    },
    clients: {
      description: 'concurrent clients (history processes)',
      defaults: { ci: 4, nightly: 6, release: 8 },
      min: 1,
      max: 64,
    },
    checkpointShare: {
      description: 'share of trials in which a checkpoint starts at a seeded moment before the kill',
      defaults: { ci: 0.3, nightly: 0.3, release: 0.3 },
      min: 0,
      max: 1,
    },
    pauseShare: {
      description:
        'share of trials in which the server is paused (SIGSTOP) for a few seconds before the kill',
      defaults: { ci: 0.2, nightly: 0.25, release: 0.25 },
      min: 0,
      max: 1,
    },
  },
  async run(ctx): Promise<ScenarioOutcome> {
    const kills = Number(ctx.params.kills);
    const clientCount = Number(ctx.params.clients);
    const gate = new Gate();
    const clients = Array.from(
      { length: clientCount },
      (_, id) =>
        new KillClient(id, ctx.adapter, ctx.history, createPrng(ctx.prng.int(2 ** 32)), gate, ctx.clock),
    );
    const running = clients.map((client) => client.run());
    let trials: TrialStats;
    try {
      trials = await runTrials(
        ctx,
        kills,
        { pause: Number(ctx.params.pauseShare), checkpoint: Number(ctx.params.checkpointShare) },
        gate,
      );
    } finally {
      for (const client of clients) client.stop();
      gate.open();
      await Promise.all(running);
    }
    // The final state, then once more after a restart: unknown batches must be judged the same in both.
    const reader = clientCount;
    const state = await readState(ctx.adapter, { history: ctx.history, process: reader });
    await ctx.adapter.restart();
    const laterState = await readState(ctx.adapter, { history: ctx.history, process: reader });
    const setFull = checkSetFull(ctx.history, state);
    const atomic = checkAtomicBatches(ctx.history, state, { laterState });
    const deletes = checkDeletesStayDeleted(ctx.history, state);
    const { unknownBatches, failedOps } = countOutcomes(ctx.history.entries());
    const acknowledgedPoints = clients.reduce((sum, c) => sum + c.stats.acknowledgedPoints, 0);
    const restartMs = trials.restartMs;
    const checks: Check[] = [
      { name: 'kills', pass: trials.kills >= kills, value: trials.kills, threshold: `>= ${kills}` },
      {
        name: 'acknowledged points',
        pass: acknowledgedPoints > 0,
        value: acknowledgedPoints,
        threshold: '> 0',
      },
      ...checkerChecks(setFull),
      ...checkerChecks(atomic),
      ...checkerChecks(deletes),
    ];
    return {
      metrics: {
        seed: ctx.seed,
        trials: trials.trials,
        kills: trials.kills,
        pauses: trials.pauses,
        checkpoints: trials.checkpoints,
        checkpointsCompleted: trials.checkpointsCompleted,
        clients: clientCount,
        operations: clients.reduce((sum, c) => sum + c.stats.operations, 0),
        acknowledgedPoints,
        unknownBatches,
        failedOps,
        lost: setFull.counts.lost,
        wrong: (setFull.counts.wrongValue ?? 0) + (setFull.counts.neverWritten ?? 0),
        partial: atomic.counts.partial,
        unstable: atomic.counts.unstable,
        resurrected: deletes.counts.resurrected,
        unknownBatchesPresent: atomic.counts.present,
        unknownBatchesAbsent: atomic.counts.absent,
        restartMsMean:
          restartMs.length === 0 ? 0 : Math.round(restartMs.reduce((a, b) => a + b, 0) / restartMs.length),
        restartMsMax: Math.round(Math.max(0, ...restartMs)),
        checkers: {
          setFull: setFull.counts,
          atomicBatches: atomic.counts,
          deletesStayDeleted: deletes.counts,
        },
        violationExamples: [...setFull.examples, ...atomic.examples, ...deletes.examples],
      },
      checks,
    };
  },
};
