import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { OmenDbError } from '@omendb/engine';
import type { EngineDescription } from '../../adapter.ts';
import { soakIntervalFileBytesMax } from '../../limits.ts';
import type { ParamValue } from '../../runner/scenario.ts';
import type { ProbeWhere } from '../resource-probe.ts';
import type { LatencyPercentiles } from './latency-histogram.ts';
import type { OpenLoopSummary } from './open-loop.ts';
import type { SoakOpKind } from './soak-workload.ts';

/**
 * The soak's interval file, intervals.jsonl: a header line, then one line per interval appended
 * as the interval ends (a single append each, so a harness killed at any moment leaves every
 * finished interval and at most one torn line), then an end line when the run finished. The
 * reader takes a partial file as it is: the report of a run killed after 20 hours covers those
 * 20 hours.
 */

export const intervalFileName = 'intervals.jsonl';
export const intervalFormatVersion = 1;

export interface SoakHeaderLine {
  readonly type: 'header';
  readonly formatVersion: number;
  readonly seed: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Wall-clock time of the start (ISO 8601), for people; the intervals count from 0. */
  readonly startedAt: string;
  readonly engine: EngineDescription;
  /** Where the resource figures were measured. */
  readonly probe: ProbeWhere;
  readonly planned: number;
}

export interface SoakIntervalLine {
  readonly type: 'interval';
  readonly index: number;
  readonly tStartMs: number;
  readonly tEndMs: number;
  readonly intended: number;
  readonly sent: number;
  readonly completed: number;
  /** Completed operations per second of the interval. */
  readonly achievedRate: number;
  readonly backlog: number;
  readonly backlogMax: number;
  readonly inFlight: number;
  readonly latencyMs: LatencyPercentiles;
  readonly histogram: string;
  readonly errors: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly readMismatches: number;
  readonly opsByKind: Readonly<Partial<Record<SoakOpKind, number>>>;
  /** Absent in logs written before the soak kept latencies per kind. */
  readonly latencyMsByKind?: Readonly<Partial<Record<SoakOpKind, LatencyPercentiles>>>;
  readonly histogramByKind?: Readonly<Partial<Record<SoakOpKind, string>>>;
  readonly rssBytes: number | null;
  readonly peakRssBytes: number | null;
  readonly heapUsedBytes: number | null;
  readonly heapAfterGc: boolean;
  readonly eventLoopDelayP99Ms: number | null;
  readonly openFds: number | null;
  readonly walBytes: number | null;
  readonly dataBytes: number | null;
}

/** The open loop's summary as the run ended, with the run's duration and whether it was verified. */
export interface SoakEndLine extends OpenLoopSummary {
  readonly type: 'end';
  readonly durationRunMs: number;
  readonly verified: boolean;
}

export type SoakLine = SoakHeaderLine | SoakIntervalLine | SoakEndLine;

export interface SoakLog {
  readonly header: SoakHeaderLine;
  readonly intervals: readonly SoakIntervalLine[];
  /** Absent when the run did not finish (killed, crashed, or still running). */
  readonly end?: SoakEndLine;
  /** 1 when the last line was cut short (the harness was killed while appending it). */
  readonly tornLines: number;
}

/** Appends lines one whole line per call, in order. */
export class IntervalLogWriter {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Starts the file (truncating an old one) with its header. */
  async start(header: SoakHeaderLine): Promise<void> {
    await this.enqueue(() => writeFile(this.path, line(header)));
  }

  append(entry: SoakIntervalLine | SoakEndLine): Promise<void> {
    return this.enqueue(() => appendFile(this.path, line(entry)));
  }

  /** Resolves when every line asked for is written. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    this.writing = this.writing.then(write);
    return this.writing;
  }
}

function line(entry: SoakLine): string {
  return `${JSON.stringify(entry)}\n`;
}

function unreadable(path: string, why: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', `${path} is not a readable soak interval file: ${why}`);
}

/** Reads an interval file, finished or not. A torn last line is skipped and counted. */
export async function readIntervalLog(path: string): Promise<SoakLog> {
  const size = (await stat(path)).size;
  if (size > soakIntervalFileBytesMax)
    unreadable(path, `${size} bytes, more than ${soakIntervalFileBytesMax}`);
  return parseIntervalLog(path, await readFile(path, 'utf8'));
}

export function parseIntervalLog(path: string, text: string): SoakLog {
  const lines = text.split('\n');
  // A complete file ends with a newline, so its last piece is empty.
  if (lines[lines.length - 1] === '') lines.pop();
  let tornLines = 0;
  let header: SoakHeaderLine | undefined;
  const intervals: SoakIntervalLine[] = [];
  let end: SoakEndLine | undefined;
  lines.forEach((text, i) => {
    const parsed = parseLine(text);
    const where = `line ${i + 1}`;
    if (parsed === undefined) {
      // Only the last line can be torn (the harness killed while appending it); elsewhere it is damage.
      if (i === lines.length - 1) tornLines = 1;
      else unreadable(path, `${where} is not JSON`);
      return;
    }
    if (i === 0) {
      if (parsed.type !== 'header') unreadable(path, 'the first line is not a header');
      header = parsed as unknown as SoakHeaderLine;
    } else if (parsed.type === 'interval') {
      if (end !== undefined) unreadable(path, `${where}: an interval after the end line`);
      intervals.push(checkInterval(path, where, parsed));
    } else if (parsed.type === 'end') end = parsed as unknown as SoakEndLine;
    else unreadable(path, `${where} has type ${String(parsed.type)}`);
  });
  if (header === undefined) unreadable(path, 'no header line');
  return end === undefined ? { header, intervals, tornLines } : { header, intervals, end, tornLines };
}

function parseLine(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const intervalNumbers = [
  'index',
  'tStartMs',
  'tEndMs',
  'intended',
  'sent',
  'completed',
  'errors',
  'readMismatches',
];

function checkInterval(path: string, where: string, parsed: Record<string, unknown>): SoakIntervalLine {
  for (const field of intervalNumbers)
    if (typeof parsed[field] !== 'number') unreadable(path, `${where}: ${field} is not a number`);
  if (typeof parsed.histogram !== 'string') unreadable(path, `${where}: histogram is not a string`);
  return parsed as unknown as SoakIntervalLine;
}
