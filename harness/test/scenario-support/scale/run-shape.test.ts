import { createPrng, seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../../src/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { realClock } from '../../../src/runner/clock.ts';
import type { ShapeName } from '../../../src/scenario-support/scale/point-generator.ts';
import { runShape } from '../../../src/scenario-support/scale/run-shape.ts';
import type { ScaleSettings } from '../../../src/scenario-support/scale/scale-settings.ts';
import { FailingWrite, MetricsModel, recorder } from './scale-fakes.ts';

const seed = seedFromEnv();
console.log(`scale run-shape seed ${seed} (replay: OMENDB_SEED=${seed})`);

const smallSettings: ScaleSettings = {
  points: 4_000,
  shapes: ['one', 'many'],
  manySeries: 20,
  batchPoints: 500,
  writers: 3,
  lookups: 100,
  ranges: 20,
  rangeSpanPoints: 100,
  aggregates: 10,
  bucketWidth: 20_000,
  ingestIntervalMs: 5,
  readPageLimit: 1_000,
};

async function shape(adapter: EngineAdapter, name: ShapeName = 'many') {
  const evidence = new Map<string, unknown>();
  const latencies = new Map<string, ReturnType<typeof recorder>>();
  const notes = new Set<string>();
  if (!adapter.isOpen) await adapter.open();
  const report = await runShape({
    shape: name,
    adapter,
    settings: smallSettings,
    seed,
    prng: createPrng(seed),
    clock: realClock,
    latency: (n) => {
      if (!latencies.has(n)) latencies.set(n, recorder());
      return latencies.get(n)!;
    },
    progress: (_done, _total, note) => notes.add(note),
    evidence: async (n, content) => {
      evidence.set(n, content);
    },
  });
  return { report, evidence, latencies, notes };
}

describe('one scale shape', () => {
  it('measures and verifies every phase on a correct engine', async () => {
    const { report, evidence, latencies, notes } = await shape(new ModelAdapter());
    expect(report).toMatchObject({
      shape: 'many',
      series: 20,
      points: 4_000,
      batches: 20,
      verified: true,
      verifiedPoints: 4_000,
      seriesListed: 20,
      unfinishedSeries: 0,
      pointsWrittenMetric: null,
      engineRecovery: null,
      walBytes: null,
      bytesPerPoint: null,
    });
    expect(report.verifiedChecksum).toBe(report.acknowledgedChecksum);
    expect(report.lookups.present).toMatchObject({ checked: 100, mismatches: 0 });
    expect(report.lookups.absent).toMatchObject({ checked: 100, mismatches: 0 });
    expect(report.ranges).toMatchObject({ checked: 20, mismatches: 0 });
    expect(report.aggregates).toMatchObject({ checked: 10, mismatches: 0 });
    expect(report.recoverySeconds).toBeGreaterThanOrEqual(0);
    expect(report.ingestPointsPerSec).toBeGreaterThan(0);
    expect(report.resources).toMatchObject({ where: 'in-process', includesHarness: true });
    expect(report.peakRssBytes).toBeGreaterThan(0);
    expect(report.peakHeapBytes).toBeGreaterThan(0);
    for (const phase of Object.values(report.resources.phases))
      expect(phase.samples).toBeGreaterThanOrEqual(2);
    expect([...latencies.keys()].sort()).toEqual([
      'many.aggregate',
      'many.get-absent',
      'many.get-present',
      'many.range',
      'many.verify-page',
      'many.write',
    ]);
    expect(latencies.get('many.write')?.summary().count).toBe(20);
    expect([...notes]).toEqual(['many: ingest', 'many: verify']);
    const ingest = evidence.get('ingest-many.json') as { series: { tSec: number; pointsPerSec: number }[] };
    expect(ingest.series.length).toBeGreaterThanOrEqual(1);
  });

  it("reports the engine's own counters, and takes a remote engine's figures from its metrics", async () => {
    const { report } = await shape(new MetricsModel({ remote: true }), 'one');
    expect(report.pointsWrittenMetric).toEqual({ before: 0, after: 4_000, growth: 4_000 });
    expect(report.engineRecovery).toEqual({ durationSeconds: 0.25, replayedRecords: 7 });
    expect(report.resources).toMatchObject({ where: 'remote', peakRssReset: false, includesHarness: false });
    expect(report.peakRssBytes).toBeNull();
    expect(report.series).toBe(1);
  });

  it('says what it skipped on an engine without aggregates or restart', async () => {
    const { report } = await shape(new MetricsModel({ aggregates: false, restartable: false }));
    expect(report.aggregates).toEqual({ skipped: 'the adapter does not declare aggregates' });
    expect(report.recoverySeconds).toBeNull();
    expect(report.engineRecovery).toBeNull();
    expect(report.verified).toBe(true);
  });

  it("fails with the failed write's error (its samplers stopped, its probe closed)", async () => {
    await expect(shape(new FailingWrite(new ModelAdapter(), 2))).rejects.toThrow('the disk is on fire');
  });
});
