/**
 * One measured figure set, as the JSON report carries it (snake_case, as consumers of the JSON
 * expect). Only measured fields are present; `ratios` compares it with its baselines.
 */
export interface BenchResult {
  /** `<section>/<contender>`, e.g. lookup/rmi. */
  readonly name: string;
  readonly distribution: string;
  /** Points in the data set. */
  readonly n: number;
  p50_ns?: number;
  p99_ns?: number;
  ops_per_s?: number;
  records_per_s?: number;
  bytes_per_point?: number;
  open_ms?: number;
  /** Passes the figures are the median of, and (max - min) / median of their throughput. */
  repeats?: number;
  spread?: number;
  /** vs_<baseline>: how many times better than the baseline (> 1 is better, whatever the unit). */
  ratios: Record<string, number>;
}

/** The display sections, in print order; the first part of every result name. */
export const resultSections = ['ingest', 'memory', 'disk', 'open', 'lookup', 'range', 'aggregate'] as const;
export type ResultSection = (typeof resultSections)[number];

export function sectionOf(result: BenchResult): string {
  return result.name.slice(0, result.name.indexOf('/'));
}

export function contenderOf(result: BenchResult): string {
  return result.name.slice(result.name.indexOf('/') + 1);
}

/** The figure a ratio compares, oriented so that higher is better. */
export function merit(result: BenchResult): number | undefined {
  if (result.ops_per_s !== undefined) return result.ops_per_s;
  if (result.records_per_s !== undefined) return result.records_per_s;
  if (result.bytes_per_point !== undefined) return 1 / result.bytes_per_point;
  if (result.open_ms !== undefined) return 1 / result.open_ms;
  return undefined;
}

/** Which result is compared with which baseline, under which ratio key. */
const ratioPlan: readonly { readonly name: string; readonly baseline: string; readonly key: string }[] = [
  { name: 'lookup/rmi', baseline: 'lookup/binary', key: 'vs_binary' },
  { name: 'lookup/rmi', baseline: 'lookup/btree', key: 'vs_btree' },
  { name: 'lookup/rmi', baseline: 'lookup/sqlite', key: 'vs_sqlite' },
  { name: 'lookup/binary', baseline: 'lookup/btree', key: 'vs_btree' },
  { name: 'lookup/binary', baseline: 'lookup/sqlite', key: 'vs_sqlite' },
  { name: 'lookup/btree', baseline: 'lookup/sqlite', key: 'vs_sqlite' },
  { name: 'lookup/engine-get-rmi', baseline: 'lookup/engine-get-binary', key: 'vs_engine_get_binary' },
  { name: 'lookup/engine-get-rmi', baseline: 'lookup/sqlite', key: 'vs_sqlite' },
  { name: 'lookup/engine-get-binary', baseline: 'lookup/sqlite', key: 'vs_sqlite' },
  { name: 'range/engine', baseline: 'range/sqlite', key: 'vs_sqlite' },
  { name: 'aggregate/engine-whole', baseline: 'aggregate/sqlite-whole', key: 'vs_sqlite' },
  { name: 'aggregate/engine-1m-buckets', baseline: 'aggregate/sqlite-1m-buckets', key: 'vs_sqlite' },
  { name: 'ingest/engine', baseline: 'ingest/sqlite', key: 'vs_sqlite' },
  { name: 'ingest/engine', baseline: 'ingest/raw-fsync', key: 'vs_raw_fsync' },
  { name: 'ingest/sqlite', baseline: 'ingest/raw-fsync', key: 'vs_raw_fsync' },
  { name: 'memory/engine-rmi-rss', baseline: 'memory/engine-binary-rss', key: 'vs_engine_binary' },
  { name: 'memory/engine-rmi-retained', baseline: 'memory/engine-binary-retained', key: 'vs_engine_binary' },
  { name: 'open/engine-rmi', baseline: 'open/engine-binary', key: 'vs_engine_binary' },
  { name: 'disk/engine', baseline: 'disk/sqlite', key: 'vs_sqlite' },
  { name: 'disk/engine', baseline: 'disk/raw-file', key: 'vs_raw_file' },
];

/** Fills in every planned ratio whose result and baseline were both measured on a distribution. */
export function computeRatios(results: readonly BenchResult[]): void {
  for (const plan of ratioPlan) {
    for (const result of results) {
      if (result.name !== plan.name) continue;
      const baseline = results.find(
        (r) => r.name === plan.baseline && r.distribution === result.distribution,
      );
      const mine = merit(result);
      const theirs = baseline === undefined ? undefined : merit(baseline);
      if (mine !== undefined && theirs !== undefined) result.ratios[plan.key] = mine / theirs;
    }
  }
}
