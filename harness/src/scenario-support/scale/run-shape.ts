import type { Prng } from '@omendb/engine';
import type { EngineAdapter } from '../../adapter.ts';
import type { Clock, LatencyRecorder } from '../../runner/scenario.ts';
import { type DiskUsage, type ProbeWhere, ResourceProbe, type RssCrossCheck } from '../resource-probe.ts';
import { aggregateChecks } from './aggregate-checks.ts';
import {
  engineGauges,
  pointsWrittenMetric,
  recoveryReplayedMetric,
  recoverySecondsMetric,
} from './engine-gauges.ts';
import { ingest } from './ingest.ts';
import { type IngestRate, type IngestRateSummary, IngestIntervals } from './ingest-intervals.ts';
import { pointLookups } from './lookups.ts';
import { PointGenerator, type ShapeName } from './point-generator.ts';
import type { QueryTallyJson } from './query-tally.ts';
import { rangeScans } from './range-scans.ts';
import { combinePeaks, type PhasePeaks, PhaseSampler, resetPeakRss } from './resource-sampler.ts';
import type { ScaleSettings } from './scale-settings.ts';
import { verifyAll } from './verify.ts';

/**
 * One shape of the scale scenario on one adapter (fresh storage): ingest, point lookups, range
 * scans, aggregates, a timed restart, and the full verification, with the engine's resources
 * sampled through each phase. Returns every figure; shape-checks.ts turns them into checks.
 */

export interface ShapeRunOptions {
  readonly shape: ShapeName;
  readonly adapter: EngineAdapter;
  readonly settings: ScaleSettings;
  readonly seed: number;
  readonly prng: Prng;
  readonly clock: Clock;
  readonly latency: (name: string) => LatencyRecorder;
  readonly progress: (done: number, total: number, note: string) => void;
  /** Writes a JSON evidence file of this name and registers it. */
  readonly evidence: (name: string, content: unknown) => Promise<void>;
}

export interface ShapeResources {
  readonly where: ProbeWhere;
  /** In process, every memory figure includes the harness's own (its batches in flight, its reads). */
  readonly includesHarness: boolean;
  /** True when the kernel's high-water mark was reset at the shape's start: the peak is this shape's. */
  readonly peakRssReset: boolean;
  readonly baselineRssBytes: number | null;
  readonly baselineHeapBytes: number | null;
  readonly phases: Readonly<Record<'ingest' | 'queries' | 'restart' | 'verify', PhasePeaks>>;
}

export interface ShapeReport {
  readonly shape: ShapeName;
  readonly series: number;
  readonly points: number;
  readonly batches: number;
  readonly writers: number;
  readonly ingestSeconds: number;
  readonly ingestPointsPerSec: number;
  readonly ingestIntervals: IngestRateSummary;
  readonly pointsWrittenMetric: { before: number; after: number; growth: number } | null;
  readonly lookups: { readonly present: QueryTallyJson; readonly absent: QueryTallyJson };
  readonly ranges: QueryTallyJson & { readonly pointsRead: number };
  readonly aggregates: (QueryTallyJson & { readonly buckets: number }) | { readonly skipped: string };
  /** How long restart() took (after a SIGKILL when killable, else a clean close and reopen); null when not restartable. */
  readonly recoverySeconds: number | null;
  /** after-kill: crash recovery of a killed process; clean: close (OmenDB checkpoints there) and reopen. */
  readonly restartKind: 'after-kill' | 'clean' | null;
  readonly engineRecovery: { durationSeconds: number | null; replayedRecords: number | null } | null;
  readonly verifySeconds: number;
  readonly verifiedPoints: number;
  readonly verifyPages: number;
  readonly unfinishedSeries: number;
  readonly seriesListed: number;
  readonly acknowledgedChecksum: string;
  readonly verifiedChecksum: string;
  readonly verified: boolean;
  readonly resources: ShapeResources;
  readonly peakRssBytes: number | null;
  readonly peakHeapBytes: number | null;
  readonly openFdsMax: number | null;
  readonly rssCrossCheck: { afterIngest: RssCrossCheck | null; atEnd: RssCrossCheck | null };
  /** Bytes on disk after the verification, split by the probe into WAL and the rest; null without a data directory. */
  readonly walBytes: number | null;
  readonly dataBytes: number | null;
  readonly diskFiles: number | null;
  readonly bytesPerPoint: number | null;
}

/** Runs `work` while a sampler watches the engine; the sampler is stopped whatever happens. */
async function sampled<T>(probe: ResourceProbe, work: () => Promise<T>): Promise<[T, PhasePeaks]> {
  const sampler = new PhaseSampler(probe);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await sampler.stop().catch(() => undefined);
    throw error;
  }
  return [result, await sampler.stop()];
}

function enginePid(adapter: EngineAdapter, where: ProbeWhere): number | 'self' | null {
  if (where === 'in-process') return 'self';
  if (where === 'remote') return null;
  return adapter.processInfo().pid;
}

/**
 * The timed restart. An engine in its own process is SIGKILLed first, so what is timed is crash
 * recovery (process start and WAL replay of whatever no checkpoint covers); one in process gets a
 * clean restart (close, where OmenDB checkpoints, then open), the only kind it has.
 */
async function restartTimed(options: ShapeRunOptions) {
  const { adapter, clock } = options;
  if (!adapter.capabilities.restartable)
    return { recoverySeconds: null, restartKind: null, engineRecovery: null };
  const restartKind: 'after-kill' | 'clean' = adapter.capabilities.killable ? 'after-kill' : 'clean';
  if (restartKind === 'after-kill') await adapter.kill();
  const started = clock.now();
  await adapter.restart();
  const recoverySeconds = (clock.now() - started) / 1000;
  const gauges = await engineGauges(adapter);
  const engineRecovery =
    gauges === null
      ? null
      : {
          durationSeconds: gauges.get(recoverySecondsMetric) ?? null,
          replayedRecords: gauges.get(recoveryReplayedMetric) ?? null,
        };
  return { recoverySeconds, restartKind, engineRecovery };
}

async function runQueries(options: ShapeRunOptions, generator: PointGenerator) {
  const { adapter, settings, prng, clock, shape } = options;
  const lookups = await pointLookups({
    adapter,
    generator,
    prng,
    count: settings.lookups,
    clock,
    presentLatency: options.latency(`${shape}.get-present`),
    absentLatency: options.latency(`${shape}.get-absent`),
  });
  const ranges = await rangeScans({
    adapter,
    generator,
    prng,
    count: settings.ranges,
    spanPoints: settings.rangeSpanPoints,
    pageLimit: settings.readPageLimit,
    clock,
    latency: options.latency(`${shape}.range`),
  });
  const aggregates = adapter.capabilities.aggregates
    ? await aggregateChecks({
        adapter,
        generator,
        prng,
        count: settings.aggregates,
        spanPoints: settings.rangeSpanPoints,
        bucketWidth: settings.bucketWidth,
        clock,
        latency: options.latency(`${shape}.aggregate`),
      })
    : undefined;
  return {
    lookups: { present: lookups.present.toJSON(), absent: lookups.absent.toJSON() },
    ranges: { ...ranges.tally.toJSON(), pointsRead: ranges.pointsRead },
    aggregates:
      aggregates === undefined
        ? { skipped: 'the adapter does not declare aggregates' }
        : { ...aggregates.tally.toJSON(), buckets: aggregates.buckets },
  };
}

/** Clean start: in process a full GC first (the baseline is what is retained, not the last
 * shape's garbage), then the kernel's high-water mark reset, and only then the baseline read, so
 * the baseline is never above the peak. */
async function startShape(probe: ResourceProbe, adapter: EngineAdapter) {
  await probe.sample({ gc: probe.where === 'in-process' });
  const pid = enginePid(adapter, probe.where);
  const peakRssReset = pid === null ? false : await resetPeakRss(pid);
  const baseline = await probe.sample();
  return { peakRssReset, baseline };
}

async function ingestPhase(options: ShapeRunOptions, generator: PointGenerator, probe: ResourceProbe) {
  const { adapter, settings, shape } = options;
  const before = await engineGauges(adapter);
  const intervals = new IngestIntervals(settings.ingestIntervalMs);
  const [ingested, peaks] = await sampled(probe, () =>
    ingest({
      adapter,
      generator,
      batchPoints: settings.batchPoints,
      writers: settings.writers,
      clock: options.clock,
      latency: options.latency(`${shape}.write`),
      intervals,
      progress: (done, total) => options.progress(done, total, `${shape}: ingest`),
    }),
  );
  const after = await engineGauges(adapter);
  const crossCheck = await probe.crossCheckRss();
  const ingestMs = ingested.seconds * 1000;
  await options.evidence(`ingest-${shape}.json`, {
    shape,
    points: ingested.acknowledged.count,
    seconds: ingested.seconds,
    intervalMs: intervals.intervalMs,
    series: intervals.series(ingestMs) satisfies IngestRate[],
  });
  const writtenBefore = before?.get(pointsWrittenMetric);
  const writtenAfter = after?.get(pointsWrittenMetric);
  const points = ingested.acknowledged.count;
  return {
    ingested,
    peaks,
    crossCheck,
    figures: {
      points,
      batches: ingested.batches,
      writers: settings.writers,
      ingestSeconds: ingested.seconds,
      ingestPointsPerSec: ingested.seconds > 0 ? points / ingested.seconds : 0,
      ingestIntervals: intervals.summary(ingestMs),
      pointsWrittenMetric:
        writtenBefore === undefined || writtenAfter === undefined
          ? null
          : { before: writtenBefore, after: writtenAfter, growth: writtenAfter - writtenBefore },
    },
  };
}

function verifyPhase(options: ShapeRunOptions, generator: PointGenerator, probe: ResourceProbe) {
  const { shape, settings } = options;
  return sampled(probe, () =>
    verifyAll({
      adapter: options.adapter,
      generator,
      pageLimit: settings.readPageLimit,
      readers: settings.writers,
      clock: options.clock,
      pageLatency: options.latency(`${shape}.verify-page`),
      progress: (done, total) => options.progress(done, total, `${shape}: verify`),
    }),
  );
}

function diskFigures(disk: DiskUsage | null, points: number) {
  return {
    walBytes: disk?.walBytes ?? null,
    dataBytes: disk?.dataBytes ?? null,
    diskFiles: disk?.files ?? null,
    bytesPerPoint: disk === null || points === 0 ? null : (disk.walBytes + disk.dataBytes) / points,
  };
}

export async function runShape(options: ShapeRunOptions): Promise<ShapeReport> {
  const { adapter, settings, shape } = options;
  const generator = new PointGenerator(
    options.seed,
    shape,
    settings.points,
    shape === 'one' ? 1 : settings.manySeries,
  );
  const probe = new ResourceProbe(adapter);
  try {
    const { peakRssReset, baseline } = await startShape(probe, adapter);
    const ingestion = await ingestPhase(options, generator, probe);
    const [queries, queryPeaks] = await sampled(probe, () => runQueries(options, generator));
    const [restart, restartPeaks] = await sampled(probe, () => restartTimed(options));
    const [verified, verifyPeaks] = await verifyPhase(options, generator, probe);
    const atEnd = await probe.crossCheckRss();
    const disk = await probe.diskUsage();

    const acknowledged = ingestion.ingested.acknowledged;
    const phases = {
      ingest: ingestion.peaks,
      queries: queryPeaks,
      restart: restartPeaks,
      verify: verifyPeaks,
    };
    const peaks = combinePeaks(Object.values(phases));
    return {
      shape,
      series: generator.seriesCount,
      ...ingestion.figures,
      ...queries,
      ...restart,
      verifySeconds: verified.seconds,
      verifiedPoints: verified.readBack.count,
      verifyPages: verified.pages,
      unfinishedSeries: verified.unfinishedSeries,
      seriesListed: verified.seriesListed,
      acknowledgedChecksum: acknowledged.hex,
      verifiedChecksum: verified.readBack.hex,
      verified: verified.readBack.equals(acknowledged),
      resources: {
        where: probe.where,
        includesHarness: probe.where === 'in-process',
        peakRssReset,
        baselineRssBytes: baseline.rssBytes,
        baselineHeapBytes: baseline.heapUsedBytes,
        phases,
      },
      peakRssBytes: peaks.peakRssBytes,
      peakHeapBytes: peaks.peakHeapBytes,
      openFdsMax: peaks.openFdsMax,
      rssCrossCheck: { afterIngest: ingestion.crossCheck, atEnd },
      ...diskFigures(disk, acknowledged.count),
    };
  } finally {
    probe.close();
  }
}
