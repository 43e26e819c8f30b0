import type { CheckerResult } from '../../history/checkers/checker-result.ts';
import { checkerChecks } from '../../history/checkers/checker-result.ts';
import { soakDriftFloorMs } from '../../limits.ts';
import type { Check } from '../../runner/scenario.ts';
import type { SoakIntervalLine, SoakLog } from './interval-log.ts';
import { type LatencyPercentiles, mergeEncoded, percentilesOf } from './latency-histogram.ts';
import { leastSquares } from './least-squares.ts';
import type { SoakThresholds } from './soak-params.ts';
import { type SoakOpKind, soakOpKinds } from './soak-workload.ts';

/**
 * The soak's verdicts: one pure function of the interval lines (and the final verification when
 * there is one), used at the end of the run and by report-soak on any interval file, finished or
 * cut short, so both say the same thing about the same evidence.
 * - disk growth: the same fit of WAL plus data bytes (when the engine's files can be measured),
 *   since the workload deletes what is past retention and the files must level off;
 * - leak: least-squares slope of RSS and of heap (after GC where the probe could force one) over
 *   the post-warm-up intervals, in MB per hour, with R²; a steep slope fails only when the line
 *   explains the samples (R² >= leakR2Min); fewer than 3 samples are no evidence, and fail;
 * - drift: p99 of the merged histograms of the last driftWindowShare of the post-warm-up
 *   intervals over that of the first (each floored at soakDriftFloorMs);
 * - error rate: errors over completed operations; achieved rate share: completed over intended;
 * - read mismatches: none; verification: the set-full checker passed (absent in a partial run).
 */

export type SoakVerification =
  | { readonly verified: true; readonly result: CheckerResult }
  | { readonly verified: false; readonly reason: string };

export interface LeakFigure {
  readonly slopeMbPerHour: number;
  readonly r2: number;
  readonly samples: number;
}

export interface DriftFigure {
  readonly ratio: number;
  readonly earlyP99Ms: number;
  readonly lateP99Ms: number;
  readonly windowIntervals: number;
}

export interface SoakFigures {
  readonly partial: boolean;
  readonly durationRunMs: number;
  readonly intervals: number;
  readonly postWarmupIntervals: number;
  readonly opsIntended: number;
  readonly opsSent: number;
  readonly opsCompleted: number;
  /** Completed operations per second over the intervals. */
  readonly achievedRate: number;
  readonly achievedRateShare: number | null;
  readonly backlogMax: number;
  readonly errors: number;
  readonly errorRate: number | null;
  readonly errorsByCode: Record<string, number>;
  readonly readMismatches: number;
  readonly latencyMs: LatencyPercentiles;
  /** Per operation kind, over the whole run (kinds that never ran are absent). */
  readonly latencyMsByKind: Partial<Record<SoakOpKind, LatencyPercentiles>>;
  /**
   * The same two after warm-up, over the intervals the leak and drift verdicts read: the
   * sustained figures, without a cold start's first seconds (null: no interval after warm-up).
   */
  readonly latencyMsAfterWarmup: LatencyPercentiles | null;
  readonly latencyMsByKindAfterWarmup: Partial<Record<SoakOpKind, LatencyPercentiles>>;
  readonly leak: {
    readonly rss: LeakFigure | null;
    readonly heap: LeakFigure | null;
    readonly heapAfterGc: boolean;
  };
  /** Slope of WAL plus data bytes after warm-up (the live data is bounded, so it must level off). */
  readonly disk: LeakFigure | null;
  readonly drift: DriftFigure | null;
  readonly peakRssBytes: number | null;
  readonly lastRssBytes: number | null;
  readonly lastHeapUsedBytes: number | null;
  readonly eventLoopDelayP99MsMax: number | null;
  /** The median over the post-warm-up intervals of each interval's event-loop delay p99. */
  readonly eventLoopDelayP99MsMedian: number | null;
  readonly openFdsMax: number | null;
  readonly walBytesLast: number | null;
  readonly dataBytesLast: number | null;
}

export interface SoakVerdicts {
  readonly checks: Check[];
  readonly figures: SoakFigures;
}

const mb = 1024 * 1024;
const hourMs = 3_600_000;
/** The least samples a slope is evidence from. */
const leakSamplesMin = 3;

export function soakVerdicts(
  log: Pick<SoakLog, 'intervals' | 'end'>,
  verification: SoakVerification | undefined,
  thresholds: SoakThresholds,
): SoakVerdicts {
  const { intervals } = log;
  const post = intervals.filter((i) => i.tStartMs >= thresholds.warmupMs);
  const rss = leak(post, (i) => i.rssBytes);
  const heap = leak(post, (i) => i.heapUsedBytes);
  const disk = leak(post, diskBytes);
  const drift = driftOf(post, thresholds.driftWindowShare);
  const totals = sum(intervals);
  const figures: SoakFigures = {
    partial: log.end === undefined,
    durationRunMs: intervals.at(-1)?.tEndMs ?? 0,
    intervals: intervals.length,
    postWarmupIntervals: post.length,
    opsIntended: totals.intended,
    opsSent: totals.sent,
    opsCompleted: totals.completed,
    achievedRate: round(totals.completed / Math.max(1e-9, (intervals.at(-1)?.tEndMs ?? 0) / 1000), 3),
    achievedRateShare: totals.intended === 0 ? null : round(totals.completed / totals.intended, 6),
    backlogMax: maxOf(intervals.map((i) => i.backlogMax)) ?? 0,
    errors: totals.errors,
    errorRate: totals.completed === 0 ? null : totals.errors / totals.completed,
    errorsByCode: totals.errorsByCode,
    readMismatches: totals.readMismatches,
    latencyMs: percentilesOf(mergeEncoded(intervals.map((i) => i.histogram))),
    latencyMsByKind: latencyByKind(intervals),
    latencyMsAfterWarmup:
      post.length === 0 ? null : percentilesOf(mergeEncoded(post.map((i) => i.histogram))),
    latencyMsByKindAfterWarmup: latencyByKind(post),
    leak: { rss, heap, heapAfterGc: post.length > 0 && post.every((i) => i.heapAfterGc === true) },
    disk,
    drift,
    peakRssBytes: maxOf(intervals.flatMap((i) => [i.rssBytes, i.peakRssBytes ?? null])),
    lastRssBytes: intervals.at(-1)?.rssBytes ?? null,
    lastHeapUsedBytes: intervals.at(-1)?.heapUsedBytes ?? null,
    eventLoopDelayP99MsMax: maxOf(intervals.map((i) => i.eventLoopDelayP99Ms)),
    eventLoopDelayP99MsMedian: medianOf(post.map((i) => i.eventLoopDelayP99Ms)),
    openFdsMax: maxOf(intervals.map((i) => i.openFds)),
    walBytesLast: intervals.at(-1)?.walBytes ?? null,
    dataBytesLast: intervals.at(-1)?.dataBytes ?? null,
  };
  const checks = [
    leakCheck('leak-rss', rss, post.length, thresholds),
    leakCheck('leak-heap', heap, post.length, thresholds),
    ...diskChecks(disk, post, thresholds),
    driftCheck(drift, post.length, thresholds),
    errorRateCheck(figures, thresholds),
    achievedCheck(figures, thresholds),
    {
      name: 'read-mismatches',
      pass: totals.readMismatches === 0,
      value: totals.readMismatches,
      threshold: '== 0',
    },
    ...verificationChecks(verification, figures.partial),
  ];
  return { checks, figures };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function maxOf(values: readonly (number | null | undefined)[]): number | null {
  // A loop, not Math.max(...values): a day of 1 s intervals is more arguments than a call takes.
  let max: number | null = null;
  for (const v of values) if (typeof v === 'number' && (max === null || v > max)) max = v;
  return max;
}

function leak(
  post: readonly SoakIntervalLine[],
  bytes: (i: SoakIntervalLine) => number | null,
): LeakFigure | null {
  const samples = post.filter((i) => typeof bytes(i) === 'number');
  if (samples.length < leakSamplesMin) return null;
  const fit = leastSquares(
    samples.map((i) => i.tEndMs / hourMs),
    samples.map((i) => (bytes(i) as number) / mb),
  );
  return fit === null ? null : { slopeMbPerHour: round(fit.slope, 3), r2: round(fit.r2, 4), samples: fit.n };
}

function leakCheck(name: string, figure: LeakFigure | null, post: number, t: SoakThresholds): Check {
  const threshold = `<= ${t.leakMbPerHourMax} MB/h, or R² < ${t.leakR2Min}`;
  if (figure === null)
    return {
      name,
      pass: false,
      value: `no evidence: ${post} intervals after warm-up with a sample`,
      threshold,
    };
  const steady = figure.r2 >= t.leakR2Min;
  return {
    name,
    pass: !(figure.slopeMbPerHour > t.leakMbPerHourMax && steady),
    value: figure.slopeMbPerHour,
    threshold,
  };
}

/** WAL plus data bytes of an interval; null when the engine's files could not be measured. */
function diskBytes(i: SoakIntervalLine): number | null {
  return typeof i.walBytes === 'number' && typeof i.dataBytes === 'number' ? i.walBytes + i.dataBytes : null;
}

/** No check at all for an engine whose files the harness cannot see (a remote server, the model). */
function diskChecks(
  figure: LeakFigure | null,
  post: readonly SoakIntervalLine[],
  t: SoakThresholds,
): Check[] {
  if (!post.some((i) => diskBytes(i) !== null)) return [];
  return [
    leakCheck('disk-growth', figure, post.length, {
      ...t,
      leakMbPerHourMax: t.diskMbPerHourMax,
    }),
  ];
}

function driftOf(post: readonly SoakIntervalLine[], share: number): DriftFigure | null {
  if (post.length < 2) return null;
  const window = Math.min(Math.floor(post.length / 2), Math.max(1, Math.round(post.length * share)));
  const p99 = (lines: readonly SoakIntervalLine[]) =>
    percentilesOf(mergeEncoded(lines.map((i) => i.histogram))).p99;
  const earlyP99Ms = p99(post.slice(0, window));
  const lateP99Ms = p99(post.slice(-window));
  const ratio = Math.max(lateP99Ms, soakDriftFloorMs) / Math.max(earlyP99Ms, soakDriftFloorMs);
  return { ratio: round(ratio, 3), earlyP99Ms, lateP99Ms, windowIntervals: window };
}

function driftCheck(drift: DriftFigure | null, post: number, t: SoakThresholds): Check {
  const name = 'latency-drift';
  const threshold = `<= ${t.driftMax} (late p99 / early p99)`;
  if (drift === null)
    return { name, pass: false, value: `no evidence: ${post} intervals after warm-up`, threshold };
  return { name, pass: drift.ratio <= t.driftMax, value: drift.ratio, threshold };
}

function errorRateCheck(f: SoakFigures, t: SoakThresholds): Check {
  const name = 'error-rate';
  const threshold = `<= ${t.errorRateMax}`;
  if (f.errorRate === null)
    return { name, pass: false, value: 'no evidence: no completed operation', threshold };
  return { name, pass: f.errorRate <= t.errorRateMax, value: round(f.errorRate, 6), threshold };
}

function achievedCheck(f: SoakFigures, t: SoakThresholds): Check {
  const name = 'achieved-rate-share';
  const threshold = `>= ${t.achievedRateShareMin} (completed / intended)`;
  if (f.achievedRateShare === null)
    return { name, pass: false, value: 'no evidence: no operation intended', threshold };
  return { name, pass: f.achievedRateShare >= t.achievedRateShareMin, value: f.achievedRateShare, threshold };
}

function verificationChecks(verification: SoakVerification | undefined, partial: boolean): Check[] {
  const name = 'verification';
  const threshold = 'set-full passes';
  if (verification === undefined) {
    const why = partial ? 'run ended early' : 'no verification result';
    return [{ name, pass: false, value: `not verified: ${why}`, threshold }];
  }
  if (!verification.verified)
    return [{ name, pass: false, value: `not verified: ${verification.reason}`, threshold }];
  const { result } = verification;
  const violations = result.mustBeZero.reduce((n, kind) => n + (result.counts[kind] ?? 0), 0);
  return [
    {
      name,
      pass: result.pass,
      value: `${result.counts.checked ?? 0} keys checked, ${violations} violations`,
      threshold,
    },
    ...checkerChecks(result),
  ];
}

interface Totals {
  intended: number;
  sent: number;
  completed: number;
  errors: number;
  readMismatches: number;
  errorsByCode: Record<string, number>;
}

function sum(intervals: readonly SoakIntervalLine[]): Totals {
  const totals: Totals = {
    intended: 0,
    sent: 0,
    completed: 0,
    errors: 0,
    readMismatches: 0,
    errorsByCode: {},
  };
  for (const i of intervals) {
    totals.intended += i.intended;
    totals.sent += i.sent;
    totals.completed += i.completed;
    totals.errors += i.errors;
    totals.readMismatches += i.readMismatches;
    for (const [code, count] of Object.entries(i.errorsByCode ?? {}))
      totals.errorsByCode[code] = (totals.errorsByCode[code] ?? 0) + count;
  }
  return totals;
}

function latencyByKind(
  intervals: readonly SoakIntervalLine[],
): Partial<Record<SoakOpKind, LatencyPercentiles>> {
  const byKind: Partial<Record<SoakOpKind, LatencyPercentiles>> = {};
  for (const kind of soakOpKinds) {
    const encoded = intervals.flatMap((i) => i.histogramByKind?.[kind] ?? []);
    if (encoded.length > 0) byKind[kind] = percentilesOf(mergeEncoded(encoded));
  }
  return byKind;
}

/** The median of the known values, or null when none is known. */
export function medianOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const middle = known.length >> 1;
  return known.length % 2 === 1 ? known[middle]! : (known[middle - 1]! + known[middle]!) / 2;
}
