import { build, type Histogram } from 'hdr-histogram-js';

/**
 * How time is measured, the same way for every contender of a section:
 *
 * - Point lookups take tens to hundreds of nanoseconds, while reading the clock
 *   (process.hrtime.bigint, which also allocates a bigint) costs a few tens. So lookups are timed
 *   in batches of `batchOps` consecutive probes, and each batch's mean time per lookup goes into
 *   an HDR histogram. Their p50 and p99 are percentiles of batch means: a tail shorter than one
 *   batch is smoothed away, equally for every contender.
 * - Range scans, aggregates and ingest batches take microseconds or more, so each one is timed
 *   on its own and the histogram holds real per-op times.
 *
 * ops/s is the number of ops divided by the summed timed durations (the clock reads between
 * batches are outside every timed span). Every pass also returns a checksum of the answers, so
 * that the caller can prove each contender found what the others found.
 */

export interface PassFigures {
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly opsPerS: number;
}

export interface RepeatedFigures extends PassFigures {
  readonly repeats: number;
  /** (max - min) / median of the passes' ops/s: how noisy the repeats were. */
  readonly spread: number;
}

export interface TimedPass {
  readonly figures: PassFigures;
  readonly checksum: number;
  readonly ops: number;
}

/** Runs the ops from, from + 1, ..., to - 1 and returns a checksum of their answers. */
export type SyncBatch = (from: number, to: number) => number;
export type AsyncBatch = (from: number, to: number) => Promise<number>;
export type Op = (op: number) => number | Promise<number>;

/** Histogram ticks per nanosecond: batch means are fractional, a tenth of a ns keeps them apart. */
const ticksPerNs = 10;

/** The most ops one time-budgeted pass runs, however fast they are. */
const budgetedOpsMax = 100_000;

/** A latency histogram in tenths of a ns: fill it with record(), read it with percentileNs(). */
export function histogram(): Histogram {
  return build({ numberOfSignificantValueDigits: 3 });
}

export function record(into: Histogram, nsPerOp: number): void {
  into.recordValue(Math.max(1, Math.round(nsPerOp * ticksPerNs)));
}

/** The latency at a percentile of a histogram filled by record(), in ns. */
export function percentileNs(from: Histogram, percentile: number): number {
  return from.getValueAtPercentile(percentile) / ticksPerNs;
}

function figures(from: Histogram, ops: number, totalNs: number): PassFigures {
  const result = {
    p50Ns: percentileNs(from, 50),
    p99Ns: percentileNs(from, 99),
    opsPerS: (ops / totalNs) * 1e9,
  };
  from.destroy();
  return result;
}

/** One pass over `ops` ops in batches of `batchOps`, each batch timed (see above). */
export function timeBatches(ops: number, batchOps: number, run: SyncBatch): TimedPass {
  const into = histogram();
  const batches = Math.ceil(ops / batchOps);
  let totalNs = 0;
  let checksum = 0;
  for (let batch = 0; batch < batches; batch++) {
    const from = batch * batchOps;
    const to = Math.min(ops, from + batchOps);
    const started = process.hrtime.bigint();
    checksum += run(from, to);
    const ns = Number(process.hrtime.bigint() - started);
    totalNs += ns;
    record(into, ns / (to - from));
  }
  return { figures: figures(into, ops, totalNs), checksum, ops };
}

/** timeBatches for contenders whose ops are asynchronous (each op awaited in turn). */
export async function timeBatchesAsync(ops: number, batchOps: number, run: AsyncBatch): Promise<TimedPass> {
  const into = histogram();
  const batches = Math.ceil(ops / batchOps);
  let totalNs = 0;
  let checksum = 0;
  for (let batch = 0; batch < batches; batch++) {
    const from = batch * batchOps;
    const to = Math.min(ops, from + batchOps);
    const started = process.hrtime.bigint();
    checksum += await run(from, to);
    const ns = Number(process.hrtime.bigint() - started);
    totalNs += ns;
    record(into, ns / (to - from));
  }
  return { figures: figures(into, ops, totalNs), checksum, ops };
}

/** One pass over `ops` ops, each timed on its own. */
export function timeEach(ops: number, run: Op): Promise<TimedPass> {
  return timeEachUntil(ops, Number.POSITIVE_INFINITY, run);
}

/**
 * One pass of ops each timed on its own, repeated until `budgetMs` of timed work (at least one
 * op, at most budgetedOpsMax): a slow query gets one sample per pass, a fast one many.
 */
export function timeEachFor(budgetMs: number, run: Op): Promise<TimedPass> {
  return timeEachUntil(budgetedOpsMax, budgetMs * 1e6, run);
}

async function timeEachUntil(opsMax: number, budgetNs: number, run: Op): Promise<TimedPass> {
  const into = histogram();
  let totalNs = 0;
  let checksum = 0;
  let ops = 0;
  while (ops < opsMax && (ops === 0 || totalNs < budgetNs)) {
    const started = process.hrtime.bigint();
    checksum += await run(ops);
    const ns = Number(process.hrtime.bigint() - started);
    totalNs += ns;
    record(into, ns);
    ops++;
  }
  return { figures: figures(into, ops, totalNs), checksum, ops };
}

/** The median of each figure over the passes (they need not come from the same pass). */
export function medianFigures(passes: readonly PassFigures[]): RepeatedFigures {
  if (passes.length === 0) throw new RangeError('no passes to take the median of');
  const median = (pick: (pass: PassFigures) => number): number => {
    const sorted = passes.map(pick).sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const ops = passes.map((pass) => pass.opsPerS);
  const opsPerS = median((pass) => pass.opsPerS);
  return {
    p50Ns: median((pass) => pass.p50Ns),
    p99Ns: median((pass) => pass.p99Ns),
    opsPerS,
    repeats: passes.length,
    spread: (Math.max(...ops) - Math.min(...ops)) / opsPerS,
  };
}

/** Checksums are sums of doubles in the same order for every contender, so they match exactly. */
function sameChecksum(actual: number, expected: number): boolean {
  return actual === expected;
}

/** Wall time of one call, in ms. */
export async function timeMs<T>(work: () => T | Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

/** One contender of a contest: how to warm it up, run one timed pass, and what it must answer. */
export interface Contender {
  readonly name: string;
  readonly warmup: () => unknown;
  readonly pass: () => TimedPass | Promise<TimedPass>;
  readonly expectedFor: (ops: number) => number;
}

/**
 * Measures contenders against each other with interleaved passes: pass r runs every contender
 * once, starting at contender r (rotating), so that slow drifts of the process (garbage collector
 * sizing, JIT state, a noisy neighbour on the machine) hit every contender alike instead of
 * whichever happened to run last. Returns the median figures of each contender.
 */
export async function contest(
  contenders: readonly Contender[],
  repeats: number,
): Promise<Map<string, RepeatedFigures>> {
  const passes = new Map<string, PassFigures[]>(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) await contender.warmup();
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const contender = contenders[(repeat + turn) % contenders.length]!;
      const timed = await contender.pass();
      const expected = contender.expectedFor(timed.ops);
      if (!sameChecksum(timed.checksum, expected)) {
        throw new Error(
          `${contender.name}: answers differ from the reference (checksum ${timed.checksum} != ${expected})`,
        );
      }
      passes.get(contender.name)!.push(timed.figures);
    }
  }
  return new Map(contenders.map((c) => [c.name, medianFigures(passes.get(c.name)!)]));
}
