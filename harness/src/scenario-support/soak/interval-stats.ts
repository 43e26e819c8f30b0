import type { Histogram } from 'hdr-histogram-js';
import { soakErrorCodesMax } from '../../limits.ts';
import {
  encodeHistogram,
  type LatencyPercentiles,
  newLatencyHistogram,
  percentilesOf,
  recordLatency,
} from './latency-histogram.ts';
import type { SoakOpKind, SoakOpResult } from './soak-workload.ts';

/**
 * What the soak's operations did within one interval: a latency histogram, errors by code, read
 * mismatches and operations by kind. take() hands them over (the histogram encoded) and starts
 * the next interval from zero, so the soak's own memory does not grow with the run.
 */

/** The code under which codes past soakErrorCodesMax distinct ones are counted. */
export const otherErrorsCode = 'OTHER';

export interface IntervalFigures {
  readonly latencyMs: LatencyPercentiles;
  /** The interval's HdrHistogram (microseconds), compressed and base64-encoded. */
  readonly histogram: string;
  readonly errors: number;
  readonly errorsByCode: Record<string, number>;
  readonly readMismatches: number;
  readonly opsByKind: Partial<Record<SoakOpKind, number>>;
  /**
   * The same latencies, per operation kind: a write's p99 and a point read's p99 are different
   * promises (a read must not wait behind a flush), and one mixed p99 would hide either.
   */
  readonly latencyMsByKind: Partial<Record<SoakOpKind, LatencyPercentiles>>;
  readonly histogramByKind: Partial<Record<SoakOpKind, string>>;
}

export class IntervalStats {
  private readonly histogram: Histogram = newLatencyHistogram();
  private errors = 0;
  private errorsByCode = new Map<string, number>();
  private readMismatches = 0;
  private opsByKind = new Map<SoakOpKind, number>();
  /** One histogram per kind seen (at most the five kinds), reset with the interval. */
  private readonly histogramByKind = new Map<SoakOpKind, Histogram>();

  record(result: SoakOpResult, latencyMs: number): void {
    recordLatency(this.histogram, latencyMs);
    recordLatency(this.kindHistogram(result.kind), latencyMs);
    this.opsByKind.set(result.kind, (this.opsByKind.get(result.kind) ?? 0) + 1);
    if (result.mismatch) this.readMismatches++;
    if (result.code !== undefined) {
      this.errors++;
      const code =
        this.errorsByCode.has(result.code) || this.errorsByCode.size < soakErrorCodesMax
          ? result.code
          : otherErrorsCode;
      this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    }
  }

  private kindHistogram(kind: SoakOpKind): Histogram {
    let histogram = this.histogramByKind.get(kind);
    if (histogram === undefined) {
      histogram = newLatencyHistogram();
      this.histogramByKind.set(kind, histogram);
    }
    return histogram;
  }

  take(): IntervalFigures {
    const kinds = [...this.histogramByKind].filter(([, histogram]) => histogram.totalCount > 0);
    const figures: IntervalFigures = {
      latencyMs: percentilesOf(this.histogram),
      histogram: encodeHistogram(this.histogram),
      errors: this.errors,
      errorsByCode: Object.fromEntries(this.errorsByCode),
      readMismatches: this.readMismatches,
      opsByKind: Object.fromEntries(this.opsByKind),
      latencyMsByKind: Object.fromEntries(kinds.map(([kind, histogram]) => [kind, percentilesOf(histogram)])),
      histogramByKind: Object.fromEntries(
        kinds.map(([kind, histogram]) => [kind, encodeHistogram(histogram)]),
      ),
    };
    this.histogram.reset();
    for (const histogram of this.histogramByKind.values()) histogram.reset();
    this.errors = 0;
    this.errorsByCode = new Map();
    this.readMismatches = 0;
    this.opsByKind = new Map();
    return figures;
  }
}
