import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KeyIndexKind } from '../src/index/key-index.ts';
import { openEngine } from '../src/index.ts';
import { generateKeySet } from './distributions.ts';
import { seriesName } from './workloads.ts';

/**
 * Engine open time over one directory, per key index: `node --expose-gc --import tsx
 * engine/bench/open-time.ts [--points N] [--runs R] [--seed S]`. Builds the directory once (one series of epoch-ms
 * timestamps with jitter and rare gaps, the bench's distribution (a), checkpointed and compacted
 * into one segment), then opens and closes it R times per index, interleaved (rmi, binary,
 * binary, rmi, ...) so that neither index always opens on a warmer process, and prints the median
 * open time (openEngine called to resolved) of each and their ratio.
 */

const defaultPoints = 10_000_000;
const defaultRuns = 5;
const defaultSeed = 12;
/** Bounds what one invocation may ask for: a 10M-point directory is about 170 MB on disk. */
const pointsMax = 20_000_000;
const runsMax = 25;
/** Write batches: the engine's own batch limit is 1M points; 1M keeps the WAL records few. */
const loadBatchPoints = 1_000_000;

const collectGarbage = (globalThis as { gc?: () => void }).gc;

export interface OpenTimes {
  readonly index: KeyIndexKind;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  /** The first engine.get after the open: with a lazily built index it builds the run's model. */
  readonly firstReadMs: readonly number[];
  readonly firstReadMedianMs: number;
}

/**
 * Writes `points` timestamps into a new engine directory and leaves them in one segment. Returns
 * the key in the middle, which the open measurements read first.
 */
export async function buildOpenFixture(dir: string, points: number, seed: number): Promise<bigint> {
  const { keys, values } = generateKeySet('timestamps', points, seed);
  const engine = await openEngine({ dir, sync: 'none' });
  try {
    for (let from = 0; from < points; from += loadBatchPoints) {
      const to = Math.min(points, from + loadBatchPoints);
      await engine.writeColumns(seriesName, keys.subarray(from, to), values.subarray(from, to));
    }
    await engine.checkpoint();
    await engine.compact();
  } finally {
    await engine.close();
  }
  return keys[points >>> 1]!;
}

/**
 * Opens `dir` `runs` times per index (interleaved), checking each open sees `points` points, and
 * times the first read of `probe` after each open.
 */
export async function measureOpens(
  dir: string,
  indexes: readonly KeyIndexKind[],
  runs: number,
  points: number,
  probe: bigint,
): Promise<OpenTimes[]> {
  const times = new Map<KeyIndexKind, number[]>(indexes.map((index) => [index, []]));
  const reads = new Map<KeyIndexKind, number[]>(indexes.map((index) => [index, []]));
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? indexes : [...indexes].reverse();
    for (const index of order) {
      // Collect what the previous open and its first read left (a built model is 8 bytes a key),
      // so that no open pays for another's garbage: run with node --expose-gc to enable.
      collectGarbage?.();
      const started = process.hrtime.bigint();
      const engine = await openEngine({ dir, index, autoMaintenance: false });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const readStarted = process.hrtime.bigint();
      const found = await engine.get(seriesName, probe);
      const readMs = Number(process.hrtime.bigint() - readStarted) / 1e6;
      const stats = engine.stats();
      await engine.close();
      if (stats.segmentPoints !== points)
        throw new Error(`opened ${stats.segmentPoints} points, not ${points}`);
      if (found === undefined) throw new Error(`the first read did not find key ${probe}`);
      times.get(index)!.push(ms);
      reads.get(index)!.push(readMs);
    }
  }
  return indexes.map((index) => {
    const runsMs = times.get(index)!;
    const firstReadMs = reads.get(index)!;
    return { index, runsMs, medianMs: median(runsMs), firstReadMs, firstReadMedianMs: median(firstReadMs) };
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function formatOpenTimes(results: readonly OpenTimes[], points: number): string {
  const list = (values: readonly number[]): string => values.map((ms) => ms.toFixed(0)).join(', ');
  const lines = results.map(
    (r) =>
      `${r.index.padEnd(7)} open median ${r.medianMs.toFixed(0).padStart(5)} ms (runs ${list(r.runsMs)}); ` +
      `first read median ${r.firstReadMedianMs.toFixed(1)} ms (runs ${list(r.firstReadMs)})`,
  );
  const [first, second] = results;
  if (first !== undefined && second !== undefined)
    lines.push(`${first.index}/${second.index} ${(first.medianMs / second.medianMs).toFixed(2)}`);
  return [`open of ${points} points, median of ${results[0]?.runsMs.length ?? 0}`, ...lines].join('\n');
}

function flag(args: readonly string[], name: string, fallback: number, max: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be in 1..${max}`);
  return value;
}

export async function runOpenTimeBench(args: readonly string[]): Promise<void> {
  const points = flag(args, '--points', defaultPoints, pointsMax);
  const runs = flag(args, '--runs', defaultRuns, runsMax);
  const seed = flag(args, '--seed', defaultSeed, 2 ** 31);
  const dir = await mkdtemp(join(tmpdir(), 'omendb-open-time-'));
  try {
    const started = performance.now();
    const probe = await buildOpenFixture(dir, points, seed);
    console.log(`seed ${seed}: built ${points} points in ${(performance.now() - started).toFixed(0)} ms`);
    console.log(formatOpenTimes(await measureOpens(dir, ['rmi', 'binary'], runs, points, probe), points));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  await runOpenTimeBench(process.argv.slice(2));
