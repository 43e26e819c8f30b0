import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOmenDbError } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IntervalLogWriter,
  parseIntervalLog,
  readIntervalLog,
  type SoakEndLine,
} from '../../../src/scenario-support/soak/interval-log.ts';
import { header, interval } from './intervals-fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-interval-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const end: SoakEndLine = {
  type: 'end',
  durationRunMs: 180_000,
  planned: 300,
  sent: 300,
  completed: 300,
  drained: 0,
  abandoned: 0,
  drainMs: 0,
  intervals: 3,
  backlogMax: 0,
  verified: true,
};

const jsonl = (...lines: unknown[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isOmenDbError(error, 'OMENDB_ERR_HARNESS_USAGE')) return error.message;
    throw error;
  }
  throw new Error('no error');
}

describe('the interval file', () => {
  it('is written one whole line per append, header first, and read back', async () => {
    const path = join(dir, 'written.jsonl');
    const writer = new IntervalLogWriter(path);
    await writer.start(header());
    await Promise.all([writer.append(interval(0)), writer.append(interval(1)), writer.append(interval(2))]);
    await writer.append(end);
    await writer.flushed();
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(6);
    const log = await readIntervalLog(path);
    expect(log.header.seed).toBe(42);
    expect(log.intervals.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(log.end).toEqual(end);
    expect(log.tornLines).toBe(0);
    // Starting again truncates.
    await writer.start(header({ seed: 7 }));
    expect((await readIntervalLog(path)).intervals).toHaveLength(0);
  });

  it('tolerates a torn last line (the harness killed while appending it): a partial run', async () => {
    const path = join(dir, 'torn.jsonl');
    await writeFile(path, jsonl(header(), interval(0), interval(1)));
    const whole = `${JSON.stringify(interval(2))}\n`;
    await appendFile(path, whole.slice(0, whole.length / 2));
    const log = await readIntervalLog(path);
    expect(log.intervals).toHaveLength(2);
    expect(log.end).toBeUndefined();
    expect(log.tornLines).toBe(1);
    // A last line that lost only its newline is whole: it counts.
    const noNewline = parseIntervalLog('x', `${jsonl(header(), interval(0))}${JSON.stringify(interval(1))}`);
    expect(noNewline.intervals).toHaveLength(2);
    expect(noNewline.tornLines).toBe(0);
  });

  it('refuses what is not an interval file, with OMENDB_ERR_HARNESS_USAGE', () => {
    expect(usageError(() => parseIntervalLog('f', ''))).toMatch(/no header line/);
    expect(usageError(() => parseIntervalLog('f', jsonl(interval(0))))).toMatch(/first line is not a header/);
    expect(usageError(() => parseIntervalLog('f', `${jsonl(header())}{oops\n${jsonl(interval(1))}`))).toMatch(
      /line 2 is not JSON/,
    );
    expect(usageError(() => parseIntervalLog('f', jsonl(header(), end, interval(0))))).toMatch(
      /after the end line/,
    );
    expect(usageError(() => parseIntervalLog('f', jsonl(header(), { type: 'other' }, end)))).toMatch(
      /has type other/,
    );
    expect(usageError(() => parseIntervalLog('f', jsonl(header(), [1, 2], end)))).toMatch(
      /line 2 is not JSON/,
    );
    const { completed: _c, ...noCompleted } = interval(0);
    expect(usageError(() => parseIntervalLog('f', jsonl(header(), noCompleted, end)))).toMatch(
      /completed is not a number/,
    );
    const { histogram: _h, ...noHistogram } = interval(0);
    expect(usageError(() => parseIntervalLog('f', jsonl(header(), noHistogram, end)))).toMatch(
      /histogram is not a string/,
    );
  });
});
