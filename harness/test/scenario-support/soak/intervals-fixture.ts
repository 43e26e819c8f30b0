import type { SoakHeaderLine, SoakIntervalLine } from '../../../src/scenario-support/soak/interval-log.ts';
import {
  encodeHistogram,
  newLatencyHistogram,
  percentilesOf,
  recordLatency,
} from '../../../src/scenario-support/soak/latency-histogram.ts';
import { soakParamSpecs, type SoakThresholds } from '../../../src/scenario-support/soak/soak-params.ts';

/** Synthetic interval lines for the verdict and report tests: every figure given, none measured. */

const mb = 1024 * 1024;

export const thresholds: SoakThresholds = {
  warmupMs: 60_000,
  leakMbPerHourMax: 20,
  diskMbPerHourMax: 20,
  leakR2Min: 0.5,
  driftMax: 3,
  driftWindowShare: 0.2,
  errorRateMax: 0.001,
  achievedRateShareMin: 0.9,
};

export interface IntervalShape {
  /** Latencies of the interval (ms); 100 of 1 ms by default. */
  latencies?: readonly number[];
  rssMb?: number | null;
  heapMb?: number | null;
  errors?: number;
  intended?: number;
  completed?: number;
  readMismatches?: number;
  /** WAL megabytes (null: not measurable); 1,000 bytes by default. */
  walMb?: number | null;
  /** The server's event-loop delay p99 in the interval; 1.5 ms by default. */
  eventLoopMs?: number | null;
  /** Latencies of point reads, kept apart from the writes' `latencies`; none by default. */
  getLatencies?: number[];
}

export function interval(index: number, shape: IntervalShape = {}, intervalMs = 60_000): SoakIntervalLine {
  const h = newLatencyHistogram();
  const latencies = shape.latencies ?? Array.from({ length: 100 }, () => 1);
  for (const ms of latencies) recordLatency(h, ms);
  const gets = newLatencyHistogram();
  for (const ms of shape.getLatencies ?? []) {
    recordLatency(gets, ms);
    recordLatency(h, ms);
  }
  const writes = newLatencyHistogram();
  for (const ms of latencies) recordLatency(writes, ms);
  const completed = shape.completed ?? latencies.length;
  const errors = shape.errors ?? 0;
  return {
    type: 'interval',
    index,
    tStartMs: index * intervalMs,
    tEndMs: (index + 1) * intervalMs,
    intended: shape.intended ?? completed,
    sent: shape.intended ?? completed,
    completed,
    achievedRate: completed / (intervalMs / 1000),
    backlog: 0,
    backlogMax: index,
    inFlight: 0,
    latencyMs: percentilesOf(h),
    histogram: encodeHistogram(h),
    errors,
    errorsByCode: errors > 0 ? { OMENDB_ERR_WAL_IO: errors } : {},
    readMismatches: shape.readMismatches ?? 0,
    opsByKind: { write: completed },
    latencyMsByKind: {
      write: percentilesOf(writes),
      ...(gets.totalCount > 0 ? { get: percentilesOf(gets) } : {}),
    },
    histogramByKind: {
      write: encodeHistogram(writes),
      ...(gets.totalCount > 0 ? { get: encodeHistogram(gets) } : {}),
    },
    rssBytes: shape.rssMb === null ? null : (shape.rssMb ?? 100) * mb,
    peakRssBytes: null,
    heapUsedBytes: shape.heapMb === null ? null : (shape.heapMb ?? 20) * mb,
    heapAfterGc: true,
    eventLoopDelayP99Ms: shape.eventLoopMs === undefined ? 1.5 : shape.eventLoopMs,
    openFds: 30,
    walBytes: shape.walMb === null ? null : shape.walMb === undefined ? 1_000 : shape.walMb * mb,
    dataBytes: shape.walMb === null ? null : 2_000,
  };
}

/** `count` intervals of a minute, each shaped by its index. */
export function intervals(
  count: number,
  shape: (index: number) => IntervalShape = () => ({}),
): SoakIntervalLine[] {
  return Array.from({ length: count }, (_, i) => interval(i, shape(i)));
}

export function header(params: Record<string, number | string> = {}): SoakHeaderLine {
  const defaults = Object.fromEntries(
    Object.entries(soakParamSpecs).map(([k, spec]) => [k, spec.defaults.nightly]),
  );
  return {
    type: 'header',
    formatVersion: 1,
    seed: 42,
    params: { ...defaults, ...thresholds, ...params },
    startedAt: '2025-01-01T00:00:00.000Z',
    engine: { engine: 'omendb', version: '0.1.0', adapter: 'model' },
    probe: 'in-process',
    planned: 6_000,
  };
}
