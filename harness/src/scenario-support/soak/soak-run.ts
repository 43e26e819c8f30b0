import { join } from 'node:path';
import type { ScenarioContext, ScenarioOutcome } from '../../runner/scenario.ts';
import { ResourceProbe } from '../resource-probe.ts';
import { IntervalCloser } from './interval-closer.ts';
import {
  IntervalLogWriter,
  intervalFileName,
  intervalFormatVersion,
  readIntervalLog,
} from './interval-log.ts';
import { IntervalStats } from './interval-stats.ts';
import { type OpenLoopSummary, runOpenLoop } from './open-loop.ts';
import { PrunedHistory } from './pruned-history.ts';
import { readSoakParams, type SoakParams } from './soak-params.ts';
import { soakVerdicts } from './soak-verdicts.ts';
import { verificationFileName, verifySoak, writeVerification } from './soak-verification.ts';
import { type SoakOpResult, SoakWorkload, soakEntryPoints } from './soak-workload.ts';

/**
 * The soak scenario's run: the open loop drives the workload at the target rate for the duration,
 * every interval becomes a line of intervals.jsonl as it ends, then the operations in flight are
 * drained, the data is verified (set-full over the pruned history), and the verdicts are computed
 * from the interval file as written, the same way report-soak computes them.
 */
export async function runSoak(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const params = readSoakParams(ctx.params);
  const { adapter, clock } = ctx;
  const aggregates = adapter.capabilities.aggregates;
  const history = new PrunedHistory({ clock, pointsOf: soakEntryPoints });
  const workload = new SoakWorkload({
    adapter,
    prng: ctx.prng,
    history,
    series: params.series,
    batchPoints: params.batchPoints,
    retentionKeys: params.retentionKeys,
    // An engine without aggregates gets the rest of the mix; the metrics say so.
    mix: aggregates ? params.mix : { ...params.mix, aggregate: 0 },
  });
  const probe = new ResourceProbe(adapter);
  try {
    const logPath = join(ctx.evidenceDir, intervalFileName);
    const log = new IntervalLogWriter(logPath);
    ctx.addEvidence(logPath);
    await log.start({
      type: 'header',
      formatVersion: intervalFormatVersion,
      seed: ctx.seed,
      params: ctx.params,
      startedAt: new Date().toISOString(),
      engine: await adapter.describe(),
      probe: probe.where,
      planned: Math.ceil((params.durationMs * params.rate) / 1000),
    });
    const closer = new IntervalCloser(ctx, probe, log, params.durationMs);
    const { loop, drainErrors } = await drive(ctx, params, workload, closer);
    await closer.flushed();
    const abandoned = history.abandonPending();
    const verification = await verifySoak(adapter, history);
    const verificationPath = join(ctx.evidenceDir, verificationFileName);
    await writeVerification(verificationPath, verification, history.stats());
    ctx.addEvidence(verificationPath);
    await log.append({
      type: 'end',
      durationRunMs: params.durationMs,
      ...loop,
      verified: verification.verified,
    });
    const { checks, figures } = soakVerdicts(await readIntervalLog(logPath), verification, params.thresholds);
    return {
      metrics: {
        seed: ctx.seed,
        probe: probe.where,
        durationAskedMs: params.durationMs,
        targetRate: params.rate,
        ...figures,
        planned: loop.planned,
        drained: loop.drained,
        drainErrors,
        abandoned: Math.max(abandoned, loop.abandoned),
        drainMs: loop.drainMs,
        keysWritten: workload.keysWritten(),
        aggregatesInMix: aggregates,
        history: history.stats(),
        verification: verification.verified
          ? {
              checker: verification.result.checker,
              counts: verification.result.counts,
              examples: verification.result.examples,
            }
          : { notVerified: verification.reason },
        rssCrossCheck: await probe.crossCheckRss(),
        diskAtEnd: await probe.diskUsage(),
      },
      checks,
    };
  } finally {
    probe.close();
  }
}

async function drive(
  ctx: ScenarioContext,
  params: SoakParams,
  workload: SoakWorkload,
  closer: IntervalCloser,
): Promise<{ loop: OpenLoopSummary; drainErrors: number }> {
  const stats = new IntervalStats();
  const all = ctx.latency('all');
  let drainErrors = 0;
  const loop = await runOpenLoop<SoakOpResult>({
    clock: ctx.clock,
    ratePerSecond: params.rate,
    durationMs: params.durationMs,
    intervalMs: params.intervalMs,
    inFlightMax: params.inFlightMax,
    dispatch: () => workload.perform(),
    completed: (result, latencyMs, draining) => {
      ctx.latency(result.kind).record(latencyMs);
      all.record(latencyMs);
      // The intervals are closed by then: what the drain finishes is counted in the end line.
      if (!draining) stats.record(result, latencyMs);
      else if (result.code !== undefined) drainErrors++;
    },
    intervalEnded: (counts) => closer.ended(counts, stats.take()),
    stop: () => closer.failed,
  });
  return { loop, drainErrors };
}
