import { createBinarySearchIndex } from '../src/index/binary-search-index.ts';
import { createRmiIndex } from '../src/index/rmi-index.ts';
import type { Engine } from '../src/engine.ts';
import {
  type AggregateWindow,
  engineBuckets,
  engineHasAggregate,
  engineWhole,
  sqliteBuckets,
  sqliteWhole,
  verifyAggregates,
} from './aggregates.ts';
import type { BenchConfig, SectionName } from './config.ts';
import {
  type DistributionName,
  distributionSeed,
  type KeySet,
  probePositions,
  randomPositions,
} from './distributions.ts';
import {
  binaryLookups,
  btreeLookups,
  buildBtree,
  engineGetLookups,
  probeKeys,
  referenceLookups,
  rmiLookups,
  sqliteLookups,
} from './lookups.ts';
import {
  type AsyncBatch,
  type Contender,
  contest,
  type Op,
  type RepeatedFigures,
  type SyncBatch,
  timeBatches,
  timeBatchesAsync,
  timeEach,
  timeEachFor,
  timeMs,
} from './measure.ts';
import type { BenchResult } from './results.ts';
import { engineScans, referenceScans, sqliteScans } from './scans.ts';
import type { SqliteQueries } from './sqlite-baseline.ts';
import { aggregatePointsMax, rangeScanPoints, seriesName } from './workloads.ts';

/** What the whole run collects. */
export interface RunState {
  readonly config: BenchConfig;
  readonly results: BenchResult[];
  readonly notes: string[];
  readonly unavailable: string[];
}

/** What one distribution's measurements share. */
export interface DistributionRun extends RunState {
  readonly distribution: DistributionName;
  readonly set: KeySet;
  readonly want: (section: SectionName) => boolean;
  readonly record: (result: Omit<BenchResult, 'distribution' | 'n' | 'ratios'>) => void;
  readonly log: (line: string) => void;
}

/**
 * engine.get with each index against SQLite, range scans and aggregates: each one contest of
 * interleaved passes, every contender open at once.
 */
export async function measureReads(
  run: DistributionRun,
  rmiEngine: Engine,
  binaryEngine: Engine,
  queries: SqliteQueries,
): Promise<void> {
  if (run.want('lookup')) await engineLookups(run, rmiEngine, binaryEngine, queries);
  if (run.want('range')) await scans(run, rmiEngine, queries);
  if (run.want('aggregate')) await aggregates(run, rmiEngine, queries);
}

function repeatedFields(figures: RepeatedFigures) {
  return {
    p50_ns: figures.p50Ns,
    p99_ns: figures.p99Ns,
    ops_per_s: figures.opsPerS,
    repeats: figures.repeats,
    spread: figures.spread,
  };
}

async function runContest(
  run: DistributionRun,
  what: string,
  contenders: readonly Contender[],
): Promise<void> {
  run.log(`${what}: ${contenders.length} contenders, ${run.config.repeats} interleaved passes`);
  const figures = await contest(contenders, run.config.repeats);
  for (const [name, median] of figures) run.record({ name, ...repeatedFields(median) });
}

/** The probe keys of a distribution and the checksum every lookup pass must return. */
interface Probes {
  readonly keys: BigInt64Array;
  readonly expected: number;
}

/**
 * The probes of a distribution: seeded, so that each lookup contest (and each phase of the run,
 * which regenerates the keys from the seed) probes the same keys in the same order.
 */
function probesFor(run: DistributionRun): Probes {
  const { set, config } = run;
  const positions = probePositions(
    set.keys.length,
    config.probes,
    distributionSeed(config.seed, run.distribution),
  );
  const expected = timeBatches(
    positions.length,
    config.lookupBatchOps,
    referenceLookups(set.values, positions),
  );
  return { keys: probeKeys(set.keys, positions), expected: expected.checksum };
}

function lookupContender(
  run: DistributionRun,
  probes: Probes,
  name: string,
  batch: SyncBatch | AsyncBatch,
  isAsync: boolean,
): Contender {
  const { config } = run;
  const ops = probes.keys.length;
  const pass = (count: number) =>
    isAsync
      ? timeBatchesAsync(count, config.lookupBatchOps, batch as AsyncBatch)
      : timeBatches(count, config.lookupBatchOps, batch as SyncBatch);
  return {
    name: `lookup/${name}`,
    warmup: () => pass(Math.min(ops, config.warmupOps)),
    pass: () => pass(ops),
    expectedFor: () => probes.expected,
  };
}

/**
 * The key indexes alone over the key column (reading the value at the position found) and the
 * B+ tree, in their own contest, run before any engine of the distribution is opened: in tests,
 * running the engine's binary-search read path in the same contest made this standalone binary
 * search about 2x slower (they share compiled code in one process), which would flatter the RMI.
 */
export async function indexLookups(run: DistributionRun): Promise<void> {
  const { set } = run;
  const probes = probesFor(run);
  const [rmi, rmiMs] = await timeMs(() => createRmiIndex(set.keys));
  const [binary, binaryMs] = await timeMs(() => createBinarySearchIndex(set.keys));
  run.log('lookup: building the B+ tree');
  const [tree, btreeMs] = await timeMs(() => buildBtree(set.keys, set.values));
  run.notes.push(
    `${run.distribution}: lookups probe ${probes.keys.length} keys; rmi built in ${rmiMs.toFixed(0)} ms ` +
      `(${rmi.stats().leaves} leaves, window mean ${rmi.stats().windowMean.toFixed(1)}), binary in ` +
      `${binaryMs.toFixed(1)} ms, B+ tree (bigint keys) in ${btreeMs.toFixed(0)} ms`,
  );
  await runContest(run, `lookup (indexes), ${probes.keys.length} probes per pass`, [
    lookupContender(run, probes, 'rmi', rmiLookups(rmi, set.values, probes.keys), false),
    lookupContender(run, probes, 'binary', binaryLookups(binary, set.values, probes.keys), false),
    lookupContender(run, probes, 'btree', btreeLookups(tree, probes.keys), false),
  ]);
}

/** engine.get end to end with each index, against SQLite, over the same probes. */
async function engineLookups(
  run: DistributionRun,
  rmiEngine: Engine,
  binaryEngine: Engine,
  queries: SqliteQueries,
): Promise<void> {
  const probes = probesFor(run);
  await runContest(run, `lookup (engine, SQLite), ${probes.keys.length} probes per pass`, [
    lookupContender(
      run,
      probes,
      'engine-get-rmi',
      engineGetLookups(rmiEngine, seriesName, probes.keys),
      true,
    ),
    lookupContender(
      run,
      probes,
      'engine-get-binary',
      engineGetLookups(binaryEngine, seriesName, probes.keys),
      true,
    ),
    lookupContender(run, probes, 'sqlite', sqliteLookups(queries, probes.keys), false),
  ]);
}

/** A per-op contender: one warm-up op, then passes of `pass`. */
function opContender(
  name: string,
  op: Op,
  pass: () => ReturnType<typeof timeEach>,
  expectedFor: (ops: number) => number,
): Contender {
  return { name, warmup: () => op(0), pass, expectedFor };
}

async function scans(run: DistributionRun, engine: Engine, queries: SqliteQueries): Promise<void> {
  const { set, config } = run;
  const n = set.keys.length;
  if (n < rangeScanPoints) {
    run.unavailable.push(`range on ${run.distribution}: fewer than ${rangeScanPoints} points`);
    return;
  }
  const positions = randomPositions(n - rangeScanPoints + 1, config.rangeScans, config.seed ^ 0x2545f491);
  const starts = probeKeys(set.keys, positions);
  const expected = referenceScans(set.values, positions);
  const ops = positions.length;
  const engineOp = engineScans(engine, starts);
  const sqliteOp = sqliteScans(queries, starts);
  await runContest(run, `range, ${ops} scans per pass`, [
    opContender(
      'range/engine',
      engineOp,
      () => timeEach(ops, engineOp),
      () => expected,
    ),
    opContender(
      'range/sqlite',
      sqliteOp,
      () => timeEach(ops, sqliteOp),
      () => expected,
    ),
  ]);
}

async function aggregates(run: DistributionRun, engine: Engine, queries: SqliteQueries): Promise<void> {
  const { config } = run;
  if (!engineHasAggregate(engine)) {
    run.unavailable.push(
      `aggregate on ${run.distribution}: engine.aggregate is not in this build; not measured`,
    );
    return;
  }
  const window = aggregateWindow(run);
  const bucketed = run.distribution === 'timestamps';
  // The first aggregate over a sealed run builds its block summaries; the passes measure the
  // steady state after it, so its cold time is reported on its own.
  const [, coldMs] = await timeMs(() => engineWhole(engine, window)());
  await verifyAggregates(engine, queries, window, bucketed);
  run.notes.push(
    `${run.distribution}: aggregates read ${window.points} points (keys ${window.from} to ${window.to}); ` +
      `engine and SQLite answers checked equal first; the engine's first (cold) whole-window aggregate, ` +
      `which builds the block summaries, took ${coldMs.toFixed(1)} ms`,
  );
  const budgeted = (name: string, op: Op): Contender =>
    opContender(
      name,
      op,
      () => timeEachFor(config.aggregatePassMs, op),
      (ops) => ops * window.points,
    );
  const passes = `queries repeated for ${config.aggregatePassMs} ms per pass`;
  await runContest(run, `aggregate, whole window, ${passes}`, [
    budgeted('aggregate/engine-whole', engineWhole(engine, window)),
    budgeted('aggregate/sqlite-whole', sqliteWhole(queries, window)),
  ]);
  if (!bucketed) return;
  await runContest(run, `aggregate, 1-minute buckets, ${passes}`, [
    budgeted('aggregate/engine-1m-buckets', engineBuckets(engine, window)),
    budgeted('aggregate/sqlite-1m-buckets', sqliteBuckets(queries, window)),
  ]);
}

/** All points, or aggregatePointsMax consecutive ones from a seeded random position. */
function aggregateWindow(run: DistributionRun): AggregateWindow {
  const { keys } = run.set;
  const points = Math.min(keys.length, aggregatePointsMax);
  const first =
    keys.length === points
      ? 0
      : randomPositions(keys.length - points + 1, 1, run.config.seed ^ 0x68e31da4)[0]!;
  return { from: keys[first]!, to: keys[first + points - 1]!, points };
}
