import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Point } from '../adapter.ts';
import {
  historyBufferEntriesMax,
  historyEventGapMs,
  historyFlushIntervalMs,
  historyInlinePointsMax,
} from '../limits.ts';
import type { Clock } from '../runner/scenario.ts';
import { classifyError } from './classify-error.ts';
import type { HistoryEntry, HistoryRecorder, OperationName, Outcome } from './history.ts';

/**
 * The history recorder: every operation a scenario performs, as one JSON line per completed
 * operation in `history.jsonl` (Jepsen style: process, operation, arguments, invoke and
 * completion times, outcome). Lines are buffered (at most historyBufferEntriesMax) and appended
 * when the buffer fills, every historyFlushIntervalMs, and at close, so a killed harness loses
 * at most a second of evidence. The whole history also stays in memory for the checkers.
 * Entries are kept in completion order; an entry's `index` is its place in invocation order.
 */

export interface HistoryRecorderOptions {
  /** The JSONL file; truncated when first written. */
  readonly path: string;
  readonly clock: Clock;
  /** Time zero of the run on `clock` (default: now). */
  readonly origin?: number;
  /** Write batches larger than this are stored as count + sha256 of their canonical points. */
  readonly inlinePointsMax?: number;
  readonly bufferEntriesMax?: number;
  readonly flushIntervalMs?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class JsonlHistoryRecorder implements HistoryRecorder {
  readonly path: string;
  private readonly clock: Clock;
  private readonly origin: number;
  private readonly inlinePointsMax: number;
  private readonly bufferEntriesMax: number;
  private readonly completed: HistoryEntry[] = [];
  private readonly points = new Map<number, readonly Point[]>();
  private buffer: string[] = [];
  private nextIndex = 0;
  private lastEventAt = Number.NEGATIVE_INFINITY;
  private handle: FileHandle | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(options: HistoryRecorderOptions) {
    this.path = options.path;
    this.clock = options.clock;
    this.origin = options.origin ?? options.clock.now();
    this.inlinePointsMax = options.inlinePointsMax ?? historyInlinePointsMax;
    this.bufferEntriesMax = options.bufferEntriesMax ?? historyBufferEntriesMax;
    // Unref'd: a recorder a scenario forgot to close must not keep the process alive.
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? historyFlushIntervalMs);
    this.timer.unref();
  }

  async run<T>(
    process: number,
    op: OperationName,
    series: string,
    args: Record<string, unknown>,
    perform: () => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new Error('OmenDB harness invariant violated: history recorder used after close');
    const index = this.nextIndex++;
    const batch = op === 'write' ? writePoints(args) : undefined;
    if (batch !== undefined) this.points.set(index, batch);
    const base = { process, index, op, series, args: this.recordedArgs(args, batch) };
    const invokedAt = this.stamp();
    let value: T;
    try {
      value = await perform();
    } catch (error) {
      const { outcome, code } = classifyError(error);
      this.complete({ ...base, invokedAt, completedAt: this.stamp(), outcome, code });
      throw error;
    }
    const entry: Mutable<HistoryEntry> = { ...base, invokedAt, completedAt: this.stamp(), outcome: 'ok' };
    const result = summarizeResult(op, value);
    if (result !== undefined) entry.result = result;
    this.complete(entry);
    return value;
  }

  entries(): readonly HistoryEntry[] {
    return this.completed;
  }

  pointsOf(index: number): readonly Point[] | undefined {
    return this.points.get(index);
  }

  /** How many operations completed with each outcome. */
  outcomes(): Record<Outcome, number> {
    const counts: Record<Outcome, number> = { ok: 0, fail: 0, unknown: 0 };
    for (const entry of this.completed) counts[entry.outcome] += 1;
    return counts;
  }

  async close(): Promise<string> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      await this.flush();
      // An empty history is still evidence (the scenario performed nothing): the file exists.
      this.writing = this.writing.then(async () => {
        const handle = await this.file();
        await handle.close();
      });
      await this.writing.catch((error: unknown) => {
        this.failure ??= error;
      });
    }
    if (this.failure !== undefined) throw this.failure;
    return this.path;
  }

  /** Strictly increasing event times: two events recorded in order never share a time, so the
   * checkers' happened-before test (a.completedAt < b.invokedAt) is exact within one process. */
  private stamp(): number {
    const at = Math.max(this.clock.now() - this.origin, this.lastEventAt + historyEventGapMs);
    this.lastEventAt = at;
    return at;
  }

  private recordedArgs(
    args: Record<string, unknown>,
    batch: readonly Point[] | undefined,
  ): Record<string, unknown> {
    if (batch === undefined || batch.length <= this.inlinePointsMax) return jsonSafe(args);
    const { points: _points, ...rest } = args;
    return { ...jsonSafe(rest), count: batch.length, digest: pointsDigest(batch) };
  }

  private complete(entry: HistoryEntry): void {
    this.completed.push(entry);
    // Completions after close stay in memory for the checkers; the file is already closed.
    if (this.closed) return;
    this.buffer.push(`${JSON.stringify(entry)}\n`);
    if (this.buffer.length >= this.bufferEntriesMax) void this.flush();
  }

  private flush(): Promise<void> {
    if (this.buffer.length > 0) {
      const chunk = this.buffer.join('');
      this.buffer = [];
      this.writing = this.writing
        .then(async () => {
          const handle = await this.file();
          await handle.appendFile(chunk);
        })
        .catch((error: unknown) => {
          // Kept and rethrown by close(): a periodic flush has nobody to tell.
          this.failure ??= error;
        });
    }
    return this.writing;
  }

  private async file(): Promise<FileHandle> {
    if (this.handle === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'w');
    }
    return this.handle;
  }
}

export function createHistoryRecorder(options: HistoryRecorderOptions): JsonlHistoryRecorder {
  return new JsonlHistoryRecorder(options);
}

/** sha256 (hex) of the canonical JSON of a batch: [["key as decimal", value], ...] in batch order. */
export function pointsDigest(points: readonly Point[]): string {
  const hash = createHash('sha256');
  hash.update('[');
  points.forEach(([key, value], i) => {
    hash.update(`${i === 0 ? '' : ','}["${key.toString()}",${JSON.stringify(value)}]`);
  });
  hash.update(']');
  return hash.digest('hex');
}

function writePoints(args: Record<string, unknown>): readonly Point[] {
  const { points } = args;
  if (!Array.isArray(points))
    throw new Error(
      'OmenDB harness invariant violated: a recorded write must pass its points in args.points',
    );
  // A copy: the caller may reuse its array, and the checkers need the batch as it was sent.
  return [...(points as readonly Point[])];
}

/** Keys (bigints) as decimal strings; whatever JSON cannot hold is dropped. */
function jsonSafe(args: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(args, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
  ) as Record<string, unknown>;
}

/** What a read returned, kept small: a get's value (null when absent), a page's count and cursor. */
function summarizeResult(op: OperationName, value: unknown): unknown {
  switch (op) {
    case 'get':
      return value === undefined ? null : value;
    case 'range': {
      const page = value as { points: readonly unknown[]; next: bigint | null };
      return { count: page.points.length, next: page.next === null ? null : page.next.toString() };
    }
    case 'aggregate':
      return { buckets: (value as { buckets: readonly unknown[] }).buckets.length };
    case 'read-all': {
      const state = value as ReadonlyMap<string, ReadonlyMap<bigint, number>>;
      let points = 0;
      for (const series of state.values()) points += series.size;
      return { series: state.size, points };
    }
    default:
      return undefined;
  }
}
