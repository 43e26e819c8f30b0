/**
 * Jepsen-style histories: every client operation a scenario performs, with its invocation and
 * completion. A history is evidence: it is written as JSONL into the run directory, and the
 * checkers run on it plus the final state read back.
 */

export type OperationName =
  | 'write'
  | 'get'
  | 'range'
  | 'aggregate'
  | 'deleteRange'
  | 'dropSeries'
  | 'read-all';

/**
 * ok: the engine acknowledged it. fail: the engine refused it and it certainly did not happen
 * (a 4xx-class registry code). unknown: it may or may not have happened (connection died,
 * timeout, process killed, an I/O failure whose outcome the engine cannot know).
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface HistoryEntry {
  /** The client (logical process) that performed it. */
  readonly process: number;
  /** Sequence number of the entry in the history. */
  readonly index: number;
  readonly op: OperationName;
  readonly series: string;
  /**
   * The arguments. Writes carry their points as [key as decimal string, value]; large batches
   * may carry a digest (sha256 of the canonical points) and their count instead, and then the
   * points themselves are kept in memory for the checkers only.
   */
  readonly args: Record<string, unknown>;
  /** Milliseconds since the run's start (the injected clock). */
  readonly invokedAt: number;
  readonly completedAt: number;
  readonly outcome: Outcome;
  /** The registry code of a fail or unknown outcome. */
  readonly code?: string;
  /** What a read returned, when small (a get's value; a range page's count). */
  readonly result?: unknown;
}

export interface HistoryRecorder {
  /**
   * Runs `perform` as one operation of `process`: records the invocation, awaits it, records the
   * completion with its outcome (errors classified by their registry code), and returns its value
   * or rethrows its error. Write arguments must include `points` (the batch): the recorder keeps
   * the points for the checkers and writes them, or a digest for large batches, to the JSONL file.
   */
  run<T>(
    process: number,
    op: OperationName,
    series: string,
    args: Record<string, unknown>,
    perform: () => Promise<T>,
  ): Promise<T>;
  /** Every entry so far, in completion order. */
  entries(): readonly HistoryEntry[];
  /** The points of the write at this entry index (kept in memory even when the file has a digest). */
  pointsOf(index: number): readonly (readonly [bigint, number])[] | undefined;
  /** Flushes the JSONL file; returns its path. */
  close(): Promise<string>;
}

/** The final state read back from an engine: series name to key to value. */
export type EngineState = Map<string, Map<bigint, number>>;
