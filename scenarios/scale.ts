import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@omendb/engine';
import type { Check, EngineAdapter, Scenario, ScenarioContext, ScenarioOutcome } from '@omendb/harness';
import { scaleWritersMax } from '../harness/src/limits.ts';
import { aggregateSpanPointsMax } from '../harness/src/scenario-support/scale/aggregate-checks.ts';
import type { ShapeName } from '../harness/src/scenario-support/scale/point-generator.ts';
import { runShape, type ShapeReport } from '../harness/src/scenario-support/scale/run-shape.ts';
import { type ScaleSettings, scaleSettings } from '../harness/src/scenario-support/scale/scale-settings.ts';
import { shapeChecks } from '../harness/src/scenario-support/scale/shape-checks.ts';

/**
 * scale: N points through the adapter in two shapes, one series and many series, each on fresh
 * storage: ingest with several writes in flight, point lookups of present and absent keys, range
 * scans, bucketed aggregates, a timed restart, then every point read back and compared by count
 * and an order-independent checksum with what was acknowledged. Ingest rate (overall and per
 * interval), latencies per operation, peak memory, descriptors and bytes on disk are measured in
 * the same run, on any engine: `--engine sqlite` gives the baseline, `omendb-harness compare`
 * sets two results side by side.
 */

async function runOneShape(
  ctx: ScenarioContext,
  settings: ScaleSettings,
  shape: ShapeName,
  adapter: EngineAdapter,
): Promise<ShapeReport> {
  try {
    return await runShape({
      shape,
      adapter,
      settings,
      seed: ctx.seed,
      prng: ctx.prng,
      clock: ctx.clock,
      latency: (name) => ctx.latency(name),
      progress: (done, total, note) => ctx.progress(done, total, note),
      evidence: async (name, content) => {
        const path = join(ctx.evidenceDir, name);
        await writeFile(path, `${JSON.stringify(content, null, 2)}\n`);
        ctx.addEvidence(path);
      },
    });
  } finally {
    // Closed now rather than at the end of the run: in process, what this engine still holds
    // would count in the next shape's memory, and its files in the next shape's disk.
    await adapter.close();
  }
}

export const scale: Scenario = {
  name: 'scale',
  category: 'performance',
  description:
    'N points (10M in release) ingested in one series and in many series, then point lookups (present and absent keys), range scans, bucketed aggregates, a timed restart and a full read-back verified by count and checksum; ingest rate per interval, latency percentiles, peak RSS and heap, descriptors and bytes on disk per point',
  requires: [],
  params: {
    points: {
      description: 'points written in each shape',
      defaults: { ci: 1_000_000, nightly: 2_000_000, release: 10_000_000 },
      min: 1,
      max: 1_000_000_000,
    },
    shapes: {
      description:
        "shapes to run, comma-separated: 'one' (one series of N points), 'many' (manySeries series)",
      defaults: { ci: 'one,many', nightly: 'one,many', release: 'one,many' },
    },
    manySeries: {
      description: "series of the 'many' shape (the points spread evenly over them)",
      defaults: { ci: 10_000, nightly: 10_000, release: 10_000 },
      min: 1,
      max: 1_000_000,
    },
    batchPoints: {
      description: 'points per write call at most (a series of the many shape is one batch or several)',
      defaults: { ci: 10_000, nightly: 10_000, release: 10_000 },
      min: 1,
      max: limits.writeBatchPointsMax,
    },
    writers: {
      description: 'write calls in flight at once (also the series read at once by the verification)',
      defaults: { ci: 4, nightly: 4, release: 4 },
      min: 1,
      max: scaleWritersMax,
    },
    lookups: {
      description: 'point lookups of present keys, and as many of absent keys',
      defaults: { ci: 2_000, nightly: 5_000, release: 10_000 },
      min: 0,
      max: 10_000_000,
    },
    ranges: {
      description: 'range scans of rangeSpanPoints consecutive points',
      defaults: { ci: 200, nightly: 500, release: 1_000 },
      min: 0,
      max: 1_000_000,
    },
    rangeSpanPoints: {
      description: 'points covered by each range scan and each aggregate',
      defaults: { ci: 1_000, nightly: 1_000, release: 1_000 },
      min: 1,
      max: Math.min(limits.rangeLimitMax, aggregateSpanPointsMax),
    },
    aggregates: {
      description: 'bucketed aggregates (count, sum, min, max) checked exactly against the generator',
      defaults: { ci: 100, nightly: 300, release: 500 },
      min: 0,
      max: 1_000_000,
    },
    bucketWidth: {
      description: 'aggregate bucket width in key units (microseconds; points are about 1000 apart)',
      defaults: { ci: 60_000, nightly: 60_000, release: 60_000 },
      min: 1,
      max: 1e15,
    },
    ingestIntervalMs: {
      description: 'width of the intervals of the ingest-rate series (ms)',
      defaults: { ci: 1_000, nightly: 1_000, release: 1_000 },
      min: 1,
      max: 3_600_000,
    },
    readPageLimit: {
      description: 'points per page when ranges are read back',
      defaults: { ci: 100_000, nightly: 100_000, release: 100_000 },
      min: 1,
      max: limits.rangeLimitMax,
    },
  },
  async run(ctx): Promise<ScenarioOutcome> {
    const settings = scaleSettings(ctx.params);
    const started = ctx.clock.now();
    const reports: Partial<Record<ShapeName, ShapeReport>> = {};
    const checks: Check[] = [];
    for (const [n, shape] of settings.shapes.entries()) {
      // Each shape on fresh storage, so its disk and memory figures are its own.
      const adapter = n === 0 ? ctx.adapter : await ctx.freshAdapter();
      const report = await runOneShape(ctx, settings, shape, adapter);
      reports[shape] = report;
      checks.push(...shapeChecks(report));
    }
    return {
      metrics: {
        seed: ctx.seed,
        shapes: settings.shapes,
        totalSeconds: (ctx.clock.now() - started) / 1000,
        ...reports,
      },
      checks,
    };
  },
};
