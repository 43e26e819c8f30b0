import type { BenchResult } from './results.ts';

/**
 * The figures the engine aims for. They are shown, never asserted: the report says for each
 * measured figure whether it meets its target, computed from the measurement.
 */
export interface Target {
  readonly label: string;
  /** The label in a table's target column, next to the figure it judges. */
  readonly short: string;
  readonly name: string;
  /** The distributions the target is about; all when absent. */
  readonly distributions?: readonly string[];
  readonly figure: (result: BenchResult) => number | undefined;
  readonly unit: 'x' | 'points/s' | 'bytes/point';
  readonly atLeast?: number;
  readonly atMost?: number;
  /** The data size the target is stated for; smaller runs are evaluated but flagged. */
  readonly atPoints?: number;
}

const learnable = ['timestamps', 'lognormal'];

export const targets: readonly Target[] = [
  {
    label: 'rmi >= 2.5x binary',
    short: '>=2.5x binary',
    name: 'lookup/rmi',
    distributions: learnable,
    figure: (r) => r.ratios.vs_binary,
    unit: 'x',
    atLeast: 2.5,
  },
  {
    label: 'rmi >= 8x btree',
    short: '>=8x btree',
    name: 'lookup/rmi',
    distributions: learnable,
    figure: (r) => r.ratios.vs_btree,
    unit: 'x',
    atLeast: 8,
  },
  {
    label: 'rmi never slower than binary',
    short: '>=1x binary',
    name: 'lookup/rmi',
    figure: (r) => r.ratios.vs_binary,
    unit: 'x',
    atLeast: 1,
  },
  {
    label: 'engine.get >= 4x sqlite',
    short: '>=4x sqlite',
    name: 'lookup/engine-get-rmi',
    figure: (r) => r.ratios.vs_sqlite,
    unit: 'x',
    atLeast: 4,
  },
  {
    label: 'range scan >= 10x sqlite',
    short: '>=10x sqlite',
    name: 'range/engine',
    figure: (r) => r.ratios.vs_sqlite,
    unit: 'x',
    atLeast: 10,
  },
  {
    label: 'aggregate >= 5x sqlite',
    short: '>=5x sqlite',
    name: 'aggregate/engine-whole',
    figure: (r) => r.ratios.vs_sqlite,
    unit: 'x',
    atLeast: 5,
  },
  {
    label: 'bucketed aggregate >= 5x sqlite',
    short: '>=5x sqlite',
    name: 'aggregate/engine-1m-buckets',
    figure: (r) => r.ratios.vs_sqlite,
    unit: 'x',
    atLeast: 5,
  },
  {
    label: 'ingest >= 2.5M points/s',
    short: '>=2.5M/s',
    name: 'ingest/engine',
    figure: (r) => r.records_per_s,
    unit: 'points/s',
    atLeast: 2_500_000,
  },
  {
    label: 'ingest >= 3x sqlite',
    short: '>=3x sqlite',
    name: 'ingest/engine',
    figure: (r) => r.ratios.vs_sqlite,
    unit: 'x',
    atLeast: 3,
  },
  {
    label: 'rss <= 40 bytes/point at 10M',
    short: '<=40 B/point at 10M',
    name: 'memory/engine-rmi-rss',
    figure: (r) => r.bytes_per_point,
    unit: 'bytes/point',
    atMost: 40,
    atPoints: 10_000_000,
  },
  {
    label: 'disk <= 20 bytes/point',
    short: '<=20 B/point',
    name: 'disk/engine',
    figure: (r) => r.bytes_per_point,
    unit: 'bytes/point',
    atMost: 20,
  },
];

export interface TargetOutcome {
  readonly target: string;
  readonly short: string;
  readonly name: string;
  readonly distribution: string;
  readonly measured: number;
  readonly unit: string;
  readonly met: boolean;
  /** Set when the run is smaller than the size the target is stated for. */
  readonly caveat?: string;
}

export function evaluateTargets(results: readonly BenchResult[]): TargetOutcome[] {
  const outcomes: TargetOutcome[] = [];
  for (const target of targets) {
    for (const result of results) {
      if (result.name !== target.name) continue;
      if (target.distributions !== undefined && !target.distributions.includes(result.distribution)) continue;
      const measured = target.figure(result);
      if (measured === undefined) continue;
      const met =
        (target.atLeast === undefined || measured >= target.atLeast) &&
        (target.atMost === undefined || measured <= target.atMost);
      outcomes.push({
        target: target.label,
        short: target.short,
        name: result.name,
        distribution: result.distribution,
        measured,
        unit: target.unit,
        met,
        ...(target.atPoints !== undefined && result.n < target.atPoints
          ? { caveat: `measured at ${result.n} points, target stated for ${target.atPoints}` }
          : {}),
      });
    }
  }
  return outcomes;
}
