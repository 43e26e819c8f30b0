import { OmenDbError } from '@omendb/engine';
import { soakInFlightMax, soakOpsMax, soakRateMax } from '../../limits.ts';
import { parseDurationMs } from '../../runner/duration.ts';
import type { ParamSpec, ParamValue } from '../../runner/scenario.ts';
import type { SoakMix } from './soak-workload.ts';
import { soakSeriesMax } from './soak-workload.ts';

/**
 * The soak's parameters, per profile. The verdict thresholds are parameters too (the readiness
 * policy will own them later); report-soak reads them back from the interval file's header.
 *
 * Why the leak thresholds differ so much: a slope is growth over time, and the shorter the run,
 * the more a few megabytes of noise (a memtable filling, a GC that ran late) weigh in MB per hour.
 * 45 s after a 15 s warm-up, one GC returning 20 MB to the system already reads as 1,700 MB/h
 * (measured on the embedded engine), so ci only catches gross leaks (5,000 MB/h: 7 KB per
 * operation at 200/s); 30 minutes bring such steps to ~40 MB/h (nightly: 100 MB/h); a day-long
 * release run resolves a steady 20 MB/h (about 460 MB a day), which is a leak worth failing on.
 * Disk growth takes the leak's thresholds and reasons: the workload deletes what is past its
 * retention, so the bytes on disk (WAL and data) must level off; the first 30-minute soak found
 * the WAL growing by 459 MB/h with 509 bytes of live data, which this verdict fails.
 * Drift likewise: a ci window is a single 10 s interval, where one GC pause or compaction moves
 * the p99 two- or threefold (measured: 2.3 over HTTP), so ci allows 5 and longer runs 3.
 */

const weight = (description: string, value: number, min = 0): ParamSpec => ({
  description,
  defaults: { ci: value, nightly: value, release: value },
  min,
  max: 1_000,
});

export const soakParamSpecs: Readonly<Record<string, ParamSpec>> = {
  duration: {
    description: 'how long the load runs (60s, 30m, 24h)',
    defaults: { ci: '60s', nightly: '30m', release: '24h' },
    format: 'duration',
  },
  rate: {
    description: 'target operations per second, held whatever the engine does (open loop)',
    defaults: { ci: 200, nightly: 400, release: 400 },
    min: 1,
    max: soakRateMax,
  },
  intervalMs: {
    description: 'one line of figures in intervals.jsonl per this many ms',
    defaults: { ci: 10_000, nightly: 10_000, release: 10_000 },
    min: 100,
    max: 3_600_000,
  },
  warmupMs: {
    description: 'intervals starting before this are left out of the leak and drift verdicts',
    defaults: { ci: 15_000, nightly: 300_000, release: 3_600_000 },
    min: 0,
    max: 86_400_000,
  },
  writeWeight: weight('relative weight of writes (a batch of fresh keys)', 40),
  getWeight: weight('relative weight of point reads', 30),
  rangeWeight: weight('relative weight of range reads', 15),
  aggregateWeight: weight('relative weight of bucketed aggregates (0 where the engine has none)', 10),
  deleteWeight: weight(
    'relative weight of deletes of keys past retention (at least 1: they keep the data bounded)',
    5,
    1,
  ),
  series: {
    description: 'series written and read',
    defaults: { ci: 16, nightly: 16, release: 16 },
    min: 1,
    max: soakSeriesMax,
  },
  batchPoints: {
    description: 'points per write',
    defaults: { ci: 50, nightly: 50, release: 50 },
    min: 1,
    max: 10_000,
  },
  retentionKeys: {
    description: 'keys kept per series before deletes drop older ones',
    defaults: { ci: 2_000, nightly: 20_000, release: 20_000 },
    min: 1,
    max: 10_000_000,
  },
  inFlightMax: {
    description: 'operations in flight at once, at most (due ones beyond it are the backlog)',
    defaults: { ci: 32, nightly: 32, release: 32 },
    min: 1,
    max: soakInFlightMax,
  },
  leakMbPerHourMax: {
    description: 'leak verdict: RSS or heap growing faster than this (MB/h) with R² >= leakR2Min fails',
    defaults: { ci: 5_000, nightly: 100, release: 20 },
    min: 0,
    max: 1_000_000,
  },
  diskMbPerHourMax: {
    description:
      'disk verdict: WAL plus data bytes growing faster than this (MB/h) with R² >= leakR2Min fails (the workload keeps its live data bounded)',
    defaults: { ci: 5_000, nightly: 100, release: 20 },
    min: 0,
    max: 1_000_000,
  },
  leakR2Min: {
    description: 'leak verdict: a slope counts only when a line explains at least this share of the variance',
    defaults: { ci: 0.5, nightly: 0.5, release: 0.5 },
    min: 0,
    max: 1,
  },
  driftMax: {
    description: 'drift verdict: late-window p99 over early-window p99, at most',
    defaults: { ci: 5, nightly: 3, release: 3 },
    min: 1,
    max: 1_000,
  },
  driftWindowShare: {
    description: 'drift verdict: share of the post-warm-up intervals in each of the early and late windows',
    defaults: { ci: 0.2, nightly: 0.2, release: 0.2 },
    min: 0.01,
    max: 0.5,
  },
  errorRateMax: {
    description: 'errors over completed operations, at most',
    defaults: { ci: 0.001, nightly: 0.001, release: 0.001 },
    min: 0,
    max: 1,
  },
  achievedRateShareMin: {
    description: 'completed over intended operations, at least (below it the engine did not keep up)',
    defaults: { ci: 0.9, nightly: 0.9, release: 0.9 },
    min: 0,
    max: 1,
  },
};

/** The parameters report-soak may override with --param: the verdicts' own. */
export const soakThresholdNames = [
  'warmupMs',
  'leakMbPerHourMax',
  'diskMbPerHourMax',
  'leakR2Min',
  'driftMax',
  'driftWindowShare',
  'errorRateMax',
  'achievedRateShareMin',
] as const;

export type SoakThresholds = Readonly<Record<(typeof soakThresholdNames)[number], number>>;

export interface SoakParams {
  readonly durationMs: number;
  readonly rate: number;
  readonly intervalMs: number;
  readonly series: number;
  readonly batchPoints: number;
  readonly retentionKeys: number;
  readonly inFlightMax: number;
  readonly mix: SoakMix;
  readonly thresholds: SoakThresholds;
}

function numberParam(params: Readonly<Record<string, ParamValue>>, name: string): number {
  const value = params[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`OmenDB harness invariant violated: soak parameter ${name} is ${String(value)}`);
  return value;
}

export function soakThresholds(params: Readonly<Record<string, ParamValue>>): SoakThresholds {
  return Object.fromEntries(
    soakThresholdNames.map((name) => [name, numberParam(params, name)]),
  ) as SoakThresholds;
}

export function readSoakParams(params: Readonly<Record<string, ParamValue>>): SoakParams {
  const n = (name: string) => numberParam(params, name);
  const durationMs = parseDurationMs(String(params.duration));
  const planned = Math.ceil((durationMs * n('rate')) / 1000);
  if (planned > soakOpsMax)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `soak: duration x rate is ${planned} operations, more than ${soakOpsMax}: lower one of them`,
    );
  return {
    durationMs,
    rate: n('rate'),
    intervalMs: n('intervalMs'),
    series: n('series'),
    batchPoints: n('batchPoints'),
    retentionKeys: n('retentionKeys'),
    inFlightMax: n('inFlightMax'),
    mix: {
      write: n('writeWeight'),
      get: n('getWeight'),
      range: n('rangeWeight'),
      aggregate: n('aggregateWeight'),
      deleteRange: n('deleteWeight'),
    },
    thresholds: soakThresholds(params),
  };
}
