import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyIndexKind } from '../src/index/key-index.ts';
import { type BenchConfig, type SectionName, sectionNames, selected } from './config.ts';
import {
  allDistributionNames,
  type DistributionName,
  distributionNames,
  generateKeySet,
  type KeySet,
} from './distributions.ts';
import { ingestEngine, ingestRaw, ingestSqlite } from './ingest.ts';
import { timeMs } from './measure.ts';
import { directoryBytes, fileBytes, type MeasuredOpen, openMeasured, rssOfOpen } from './memory.ts';
import { type DistributionRun, indexLookups, measureReads, type RunState } from './reads.ts';
import type { BenchReport } from './report.ts';
import { type BenchResult, computeRatios, contenderOf, resultSections, sectionOf } from './results.ts';
import { flightsSource, loadFlightKeySet } from './real-world-keys.ts';
import { openSqliteQueries, type SqliteQueries } from './sqlite-baseline.ts';
import { evaluateTargets } from './targets.ts';
import { rangeScanPoints, seriesName } from './workloads.ts';
import type { Engine } from '../src/engine.ts';

/**
 * One benchmark run, in two phases over the same seeded data:
 *  1. the key indexes alone and the B+ tree, for every distribution, before any engine code runs
 *     in this process: in tests, running the engine's binary-search read path made the standalone
 *     binary search about 2x slower afterwards, even on another distribution (they share compiled
 *     code), which would flatter the RMI;
 *  2. per distribution, the same keys and values written durably to the engine, to SQLite and to
 *     a raw file (ingest), then the engine and SQLite read contenders, all open at once and
 *     measured in interleaved passes.
 * Everything runs in this process (except the RSS readings, see memory.ts), and every printed
 * figure is measured here.
 */
export async function runBench(config: BenchConfig): Promise<BenchReport> {
  const started = process.hrtime.bigint();
  const state: RunState = { config, results: [], notes: [], unavailable: [] };
  const root = await mkdtemp(join(tmpdir(), 'omendb-bench-'));
  try {
    for (const distribution of distributionNames) {
      if (!selected(config, 'lookup', distribution)) continue;
      const [set, generateMs] = await timeMs(() => generateKeySet(distribution, config.points, config.seed));
      await indexLookups(distributionRun(state, distribution, set, generateMs));
    }
    if (selected(config, 'lookup', 'flights')) {
      const [set, loadMs] = await timeMs(() => loadFlightKeySet(config.points));
      state.notes.push(
        `flights (d, real-world): ${set.keys.length} keys from ${flightsSource}, one per flight (departure minute in ms + rank within the minute); index lookups only`,
      );
      await indexLookups(distributionRun(state, 'flights', set, loadMs));
    }
    for (const distribution of distributionNames) {
      if (!sectionNames.some((section) => selected(config, section, distribution))) continue;
      const dir = join(root, distribution);
      await mkdir(dir);
      try {
        await runDistribution(state, distribution, dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  computeRatios(state.results);
  const results = sortResults(state.results);
  return {
    meta: {
      points: config.points,
      seed: config.seed,
      node: process.version,
      date: new Date().toISOString(),
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
      probes: Math.min(config.probes, config.points),
      repeats: config.repeats,
      range_scans: config.rangeScans,
      aggregate_pass_ms: config.aggregatePassMs,
      lookup_batch_ops: config.lookupBatchOps,
      wall_s: Number(process.hrtime.bigint() - started) / 1e9,
    },
    results,
    targets: evaluateTargets(results),
    unavailable: state.unavailable,
    notes: state.notes,
  };
}

function distributionRun(
  state: RunState,
  distribution: DistributionName,
  set: KeySet,
  generateMs: number,
): DistributionRun {
  const { config } = state;
  const runStarted = process.hrtime.bigint();
  const log = (line: string): void => {
    const seconds = Number(process.hrtime.bigint() - runStarted) / 1e9;
    config.log(`[${distribution} +${seconds.toFixed(1)}s] ${line}`);
  };
  log(`${config.points} keys generated in ${generateMs.toFixed(0)} ms`);
  return {
    ...state,
    distribution,
    set,
    want: (section: SectionName) => selected(config, section, distribution),
    record: (result) =>
      state.results.push({ ...result, distribution, n: set.keys.length, ratios: {} } as BenchResult),
    log,
  };
}

async function runDistribution(
  state: RunState,
  distribution: (typeof distributionNames)[number],
  dir: string,
): Promise<void> {
  const { config } = state;
  const [set, generateMs] = await timeMs(() => generateKeySet(distribution, config.points, config.seed));
  const run = distributionRun(state, distribution, set, generateMs);
  const { log } = run;
  const engineDir = join(dir, 'engine');
  const sqliteFile = join(dir, 'sqlite.db');
  await ingestAll(run, dir, engineDir, sqliteFile, generateMs);
  if (run.want('memory')) {
    for (const index of ['rmi', 'binary'] as const) {
      log(`memory: RSS of an open with index ${index}, in a fresh process`);
      recordRss(run, index, await rssOfOpen(engineDir, index));
    }
  }
  if (!run.want('lookup') && !run.want('range') && !run.want('aggregate') && !run.want('memory')) return;
  // The binary-search engine reads a copy of the same directory, so that both engines can be
  // open at once (one directory has one lock) and be measured in interleaved passes.
  const binaryDir = join(dir, 'engine-binary');
  await cp(engineDir, binaryDir, { recursive: true });
  const opened: MeasuredOpen[] = [];
  let queries: SqliteQueries | undefined;
  try {
    for (const [index, engineFiles] of [
      ['rmi', engineDir],
      ['binary', binaryDir],
    ] as const) {
      log(`open engine, index ${index}`);
      const measured = await openMeasured(engineFiles, index);
      opened.push(measured);
      const modelMs = await awaitIndexModels(measured.engine, run.set.keys);
      if (index === 'rmi') log(`learned models in place ${modelMs.toFixed(0)} ms after the first reads`);
      recordOpen(run, index, measured);
    }
    queries = openSqliteQueries(sqliteFile, rangeScanPoints);
    await measureReads(run, opened[0]!.engine, opened[1]!.engine, queries);
  } finally {
    queries?.db.close();
    for (const measured of opened) await measured.engine.close();
  }
}

/** Durable ingest into the raw file, the engine and SQLite; the engine and SQLite data stay for the reads. */
async function ingestAll(
  run: DistributionRun,
  dir: string,
  engineDir: string,
  sqliteFile: string,
  generateMs: number,
): Promise<void> {
  const { set, log, record } = run;
  const n = set.keys.length;
  if (run.want('ingest') || run.want('memory')) {
    log('ingest: raw file, fsync per batch');
    const rawFile = join(dir, 'raw.bin');
    const raw = await ingestRaw(rawFile, set);
    if (run.want('ingest')) record({ name: 'ingest/raw-fsync', ...ingestFields(raw) });
    if (run.want('memory'))
      record({ name: 'disk/raw-file', bytes_per_point: (await fileBytes(rawFile)) / n });
    await rm(rawFile, { force: true });
  }
  log("ingest: engine, sync 'commit'");
  const engine = await ingestEngine(engineDir, set);
  log('ingest: SQLite, WAL + synchronous=FULL');
  const sqlite = await ingestSqlite(sqliteFile, set);
  if (run.want('ingest')) {
    record({ name: 'ingest/engine', ...ingestFields(engine.ingest) });
    record({ name: 'ingest/sqlite', ...ingestFields(sqlite.ingest) });
  }
  if (run.want('memory')) {
    record({ name: 'disk/engine', bytes_per_point: (await directoryBytes(engineDir)) / n });
    const sqliteBytes = (await fileBytes(sqliteFile)) + (await fileBytes(`${sqliteFile}-wal`));
    record({ name: 'disk/sqlite', bytes_per_point: sqliteBytes / n });
  }
  run.notes.push(
    `${run.distribution}: keys generated in ${generateMs.toFixed(0)} ms; engine checkpoint ` +
      `${engine.checkpointMs.toFixed(0)} ms, compact ${engine.compactMs.toFixed(0)} ms, close ` +
      `${engine.closeMs.toFixed(0)} ms; SQLite WAL checkpoint ${sqlite.checkpointMs.toFixed(0)} ms`,
  );
}

function ingestFields(figures: { p50Ns: number; p99Ns: number; recordsPerS: number }) {
  return { p50_ns: figures.p50Ns, p99_ns: figures.p99Ns, records_per_s: figures.recordsPerS, repeats: 1 };
}

/** A memory figure per point, or why there is none (a delta can vanish in the noise of tiny runs). */
function recordBytes(run: DistributionRun, name: string, bytes: number): void {
  if (bytes > 0) {
    run.record({ name, bytes_per_point: bytes / run.set.keys.length });
  } else {
    run.unavailable.push(
      `${name} on ${run.distribution}: the measured delta (${bytes} bytes) is not positive, ` +
        'below what the reading resolves at this size',
    );
  }
}

function recordRss(
  run: DistributionRun,
  index: KeyIndexKind,
  measured: { readonly rssBytes: number; readonly points: number },
): void {
  if (measured.points !== run.set.keys.length)
    throw new Error(`the RSS child opened ${measured.points} points, not ${run.set.keys.length}`);
  recordBytes(run, `memory/engine-${index}-rss`, measured.rssBytes);
}

/** Keys read across the run to ask for its models, and the bound on the wait for them. */
const modelProbeKeys = 256;
const modelWaitMsMax = 20_000;

/**
 * An opened segment's learned models are built on the first lookup inside each series run (in
 * the segment worker for large runs, binary search standing in meanwhile): reads keys spread over
 * the whole set, then waits until no keys are pending, so that the notes report the models and
 * the lookups below measure them, not the stand-in. A run no probe fell in stays pending (the
 * note then says how many keys). Returns the wait in ms.
 */
async function awaitIndexModels(engine: Engine, keys: BigInt64Array): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < modelProbeKeys && keys.length > 0; i++)
    await engine.get(seriesName, keys[Math.floor((i * keys.length) / modelProbeKeys)]!);
  while (engine.stats().index.pendingKeys > 0 && performance.now() - started < modelWaitMsMax)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return performance.now() - started;
}

function recordOpen(run: DistributionRun, index: KeyIndexKind, measured: MeasuredOpen): void {
  const n = run.set.keys.length;
  const stats = measured.engine.stats();
  if (stats.segmentPoints !== n) throw new Error(`the engine opened ${stats.segmentPoints} points, not ${n}`);
  run.notes.push(
    `${run.distribution}: engine (${index}) holds ${stats.segmentPoints} points in ${stats.segments} ` +
      `segment(s); key index ${stats.index.leaves} leaves, window mean ${stats.index.windowMean.toFixed(1)}, ` +
      `max ${stats.index.windowMax}, ${(stats.index.bytes / n).toFixed(2)} index bytes/point` +
      (stats.index.pendingKeys > 0 ? `, ${stats.index.pendingKeys} keys pending a model` : ''),
  );
  if (!run.want('memory')) return;
  run.record({ name: `open/engine-${index}`, open_ms: measured.openMs });
  recordBytes(run, `memory/engine-${index}-retained`, measured.retainedBytes);
}

/** Contenders in the order the tables list them. */
const contenderOrder = [
  'rmi',
  'binary',
  'btree',
  'engine-get-rmi',
  'engine-get-binary',
  'engine',
  'engine-rmi',
  'engine-binary',
  'engine-rmi-rss',
  'engine-binary-rss',
  'engine-rmi-retained',
  'engine-binary-retained',
  'engine-whole',
  'sqlite-whole',
  'engine-1m-buckets',
  'sqlite-1m-buckets',
  'sqlite',
  'raw-fsync',
  'raw-file',
];

function sortResults(results: readonly BenchResult[]): BenchResult[] {
  const rank = (result: BenchResult): number[] => [
    (resultSections as readonly string[]).indexOf(sectionOf(result)),
    (allDistributionNames as readonly string[]).indexOf(result.distribution),
    contenderOrder.indexOf(contenderOf(result)),
  ];
  return [...results].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return 0;
  });
}
