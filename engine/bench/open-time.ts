import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
 * open time (openEngine called to resolved) of each and their ratio. After each open it times the
 * first read (with rmi, it asks the segment worker for the run's model and binary searches
 * meanwhile), then reads keys in a loop until the model is in place (index stats: no pending keys),
 * and reports how long that took, the largest read latency and the event loop's largest delay
 * over the loop, so that a model built on the event loop would show as a stall.
 */

const defaultPoints = 10_000_000;
const defaultRuns = 5;
const defaultSeed = 12;
/** Bounds what one invocation may ask for: a 10M-point directory is about 170 MB on disk. */
const pointsMax = 20_000_000;
const runsMax = 25;
/** Write batches: the engine's own batch limit is 1M points; 1M keeps the WAL records few. */
const loadBatchPoints = 1_000_000;
/** Keys kept from the fixture for the read loop after each open. */
const sampleKeys = 4096;
/** Bounds on the read loop that waits for the model: reads, and wall time. */
const modelWaitReadsMax = 2_000_000;
const modelWaitMsMax = 30_000;
/**
 * The read loop runs at least this long, model or not: binary search's loop then gives the
 * machine's own floor of read latency and event-loop delay to compare the learned index's with.
 */
const readLoopMsMin = 1000;

const collectGarbage = (globalThis as { gc?: () => void }).gc;

export interface OpenTimes {
  readonly index: KeyIndexKind;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  /** The first engine.get after the open: with a lazily built index it builds the run's model. */
  readonly firstReadMs: readonly number[];
  readonly firstReadMedianMs: number;
  /** From the first read until the index reports no pending keys (the model in place). */
  readonly modelReadyMs: readonly number[];
  /** The largest latency of the reads looped until then (the first read excluded). */
  readonly loopReadMaxMs: readonly number[];
  /** The event loop's largest delay over that loop (monitorEventLoopDelay, 1 ms resolution). */
  readonly loopDelayMaxMs: readonly number[];
  /** Its p99 (issue 12's target: at most 20 ms). */
  readonly loopDelayP99Ms: readonly number[];
  /** Reads done in that loop. */
  readonly loopReads: readonly number[];
}

/** What buildOpenFixture leaves: the key read first, and keys for the read loop. */
export interface OpenFixture {
  readonly probe: bigint;
  readonly sample: BigInt64Array;
}

/**
 * Writes `points` timestamps into a new engine directory and leaves them in one segment. Returns
 * the key in the middle, which the open measurements read first, and a strided sample of keys.
 */
export async function buildOpenFixture(dir: string, points: number, seed: number): Promise<OpenFixture> {
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
  const sample = new BigInt64Array(Math.min(sampleKeys, points));
  for (let i = 0; i < sample.length; i++) sample[i] = keys[Math.floor((i * points) / sample.length)]!;
  return { probe: keys[points >>> 1]!, sample };
}

interface ModelWait {
  readonly readyMs: number;
  readonly readMaxMs: number;
  readonly delayMaxMs: number;
  readonly delayP99Ms: number;
  readonly reads: number;
}

/**
 * Reads sample keys, one per turn of the event loop (a worker's answer must get in), until the
 * index has no pending keys and readLoopMsMin has passed, or a bound is reached; every read must
 * find its key.
 */
async function readUntilModelReady(
  engine: Awaited<ReturnType<typeof openEngine>>,
  sample: BigInt64Array,
  since: bigint,
): Promise<ModelWait> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let readMaxMs = 0;
  let reads = 0;
  const elapsedMs = (): number => Number(process.hrtime.bigint() - since) / 1e6;
  let readyMs: number | undefined;
  try {
    for (;;) {
      if (readyMs === undefined && engine.stats().index.pendingKeys === 0) readyMs = elapsedMs();
      if (readyMs !== undefined && elapsedMs() >= readLoopMsMin) break;
      if (reads >= modelWaitReadsMax || elapsedMs() > modelWaitMsMax)
        throw new Error(`the model was not in place after ${reads} reads`);
      const key = sample[reads % sample.length]!;
      const started = process.hrtime.bigint();
      const found = await engine.get(seriesName, key);
      readMaxMs = Math.max(readMaxMs, Number(process.hrtime.bigint() - started) / 1e6);
      if (found === undefined) throw new Error(`a read during the model build did not find key ${key}`);
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    delay.disable();
  }
  return {
    readyMs: readyMs ?? elapsedMs(),
    readMaxMs,
    delayMaxMs: delay.max / 1e6,
    delayP99Ms: delay.percentile(99) / 1e6,
    reads,
  };
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
  fixture: OpenFixture,
): Promise<OpenTimes[]> {
  const samples = new Map<KeyIndexKind, Sample[]>(indexes.map((index) => [index, []]));
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? indexes : [...indexes].reverse();
    for (const index of order) samples.get(index)!.push(await measureOpen(dir, index, points, fixture));
  }
  return indexes.map((index) => {
    const taken = samples.get(index)!;
    const firstReadMs = taken.map((s) => s.firstReadMs);
    const runsMs = taken.map((s) => s.openMs);
    return {
      index,
      runsMs,
      medianMs: median(runsMs),
      firstReadMs,
      firstReadMedianMs: median(firstReadMs),
      modelReadyMs: taken.map((s) => s.wait.readyMs),
      loopReadMaxMs: taken.map((s) => s.wait.readMaxMs),
      loopDelayMaxMs: taken.map((s) => s.wait.delayMaxMs),
      loopDelayP99Ms: taken.map((s) => s.wait.delayP99Ms),
      loopReads: taken.map((s) => s.wait.reads),
    };
  });
}

interface Sample {
  readonly openMs: number;
  readonly firstReadMs: number;
  readonly wait: ModelWait;
}

async function measureOpen(
  dir: string,
  index: KeyIndexKind,
  points: number,
  fixture: OpenFixture,
): Promise<Sample> {
  // Collect what the previous open and its first read left (a built model is 8 bytes a key),
  // so that no open pays for another's garbage: run with node --expose-gc to enable.
  collectGarbage?.();
  const started = process.hrtime.bigint();
  const engine = await openEngine({ dir, index, autoMaintenance: false });
  try {
    const openMs = Number(process.hrtime.bigint() - started) / 1e6;
    const readStarted = process.hrtime.bigint();
    const found = await engine.get(seriesName, fixture.probe);
    const firstReadMs = Number(process.hrtime.bigint() - readStarted) / 1e6;
    if (found === undefined) throw new Error(`the first read did not find key ${fixture.probe}`);
    const wait = await readUntilModelReady(engine, fixture.sample, readStarted);
    const stats = engine.stats();
    if (stats.segmentPoints !== points)
      throw new Error(`opened ${stats.segmentPoints} points, not ${points}`);
    if (index === 'rmi' && stats.index.leaves === 0) throw new Error('no learned model after the wait');
    return { openMs, firstReadMs, wait };
  } finally {
    await engine.close();
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function formatOpenTimes(results: readonly OpenTimes[], points: number): string {
  const list = (values: readonly number[]): string =>
    values.map((v) => (v >= 10 ? v.toFixed(0) : v.toFixed(1))).join(', ');
  const lines = results.map(
    (r) =>
      `${r.index.padEnd(7)} open median ${r.medianMs.toFixed(0).padStart(5)} ms (runs ${list(r.runsMs)}); ` +
      `first read median ${r.firstReadMedianMs.toFixed(1)} ms (runs ${list(r.firstReadMs)}); ` +
      `model in place after ${list(r.modelReadyMs)} ms, reads meanwhile ${list(r.loopReads)}, ` +
      `max read ${list(r.loopReadMaxMs)} ms, event-loop delay max ${list(r.loopDelayMaxMs)} ms, p99 ${list(r.loopDelayP99Ms)} ms`,
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
    const fixture = await buildOpenFixture(dir, points, seed);
    console.log(`seed ${seed}: built ${points} points in ${(performance.now() - started).toFixed(0)} ms`);
    console.log(formatOpenTimes(await measureOpens(dir, ['rmi', 'binary'], runs, points, fixture), points));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  await runOpenTimeBench(process.argv.slice(2));
