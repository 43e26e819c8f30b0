import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Point } from '../../src/adapter.ts';
import { createHistoryRecorder, pointsDigest } from '../../src/history/history-recorder.ts';
import { ManualClock } from '../../src/runner/clock.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('JsonlHistoryRecorder', () => {
  it('records each operation with its times, outcome, arguments and a small result', async () => {
    const clock = new ManualClock(1000);
    const history = createHistoryRecorder({ path: join(dir, 'h', 'history.jsonl'), clock });
    const points: Point[] = [[-(2n ** 63n), 0.5]];
    await history.run(3, 'write', 's', { points }, async () => clock.advance(5));
    const value = await history.run(3, 'get', 's', { key: 7n }, async () => 0.5);
    expect(value).toBe(0.5);
    await history.run(3, 'get', 's', { key: 8n }, async () => undefined);
    await history.run(3, 'range', 's', { from: 1n, limit: 2 }, async () => ({ points: [[1n, 1]], next: 1n }));
    await history.run(3, 'range', 's', {}, async () => ({ points: [], next: null }));
    await history.run(3, 'aggregate', 's', {}, async () => ({ buckets: [{}, {}] }));
    await history.run(3, 'read-all', '*', {}, async () => new Map([['s', new Map([[1n, 1]])]]));
    await history.run(3, 'deleteRange', 's', { from: 1n, to: undefined }, async () => undefined);
    const [write, get, absent, page, lastPage, aggregate, readAll, del] = history.entries();
    expect(write).toMatchObject({
      process: 3,
      index: 0,
      op: 'write',
      series: 's',
      args: { points: [['-9223372036854775808', 0.5]] },
      invokedAt: 0,
      completedAt: 5,
      outcome: 'ok',
    });
    expect(write).not.toHaveProperty('result');
    expect(get?.result).toBe(0.5);
    expect(get?.args).toEqual({ key: '7' });
    expect(absent?.result).toBeNull();
    expect(page?.result).toEqual({ count: 1, next: '1' });
    expect(lastPage?.result).toEqual({ count: 0, next: null });
    expect(aggregate?.result).toEqual({ buckets: 2 });
    expect(readAll?.result).toEqual({ series: 1, points: 1 });
    expect(del?.args).toEqual({ from: '1' });
    expect(history.pointsOf(0)).toEqual(points);
    expect(history.pointsOf(1)).toBeUndefined();
    const path = await history.close();
    expect(await lines(path)).toEqual(JSON.parse(JSON.stringify(history.entries())));
  });

  it('keeps event times strictly increasing, so happened-before is exact on a frozen clock', async () => {
    const history = createHistoryRecorder({ path: join(dir, 'history.jsonl'), clock: new ManualClock() });
    await history.run(0, 'get', 's', { key: 1n }, async () => 1);
    await history.run(0, 'get', 's', { key: 1n }, async () => 1);
    const [a, b] = history.entries();
    expect(a!.invokedAt).toBeLessThan(a!.completedAt);
    expect(a!.completedAt).toBeLessThan(b!.invokedAt);
    await history.close();
  });

  it('records failures with their outcome and code, and rethrows them', async () => {
    const history = createHistoryRecorder({ path: join(dir, 'history.jsonl'), clock: new ManualClock() });
    const refused = new OmenDbError('OMENDB_ERR_INPUT_RANGE', 'from > to');
    await expect(history.run(1, 'range', 's', {}, async () => Promise.reject(refused))).rejects.toBe(refused);
    await expect(
      history.run(1, 'write', 's', { points: [] }, () => {
        throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', 'killed');
      }),
    ).rejects.toThrow();
    expect(history.entries().map((e) => [e.outcome, e.code])).toEqual([
      ['fail', 'OMENDB_ERR_INPUT_RANGE'],
      ['unknown', 'OMENDB_ERR_HARNESS_UNAVAILABLE'],
    ]);
    expect(history.outcomes()).toEqual({ ok: 0, fail: 1, unknown: 1 });
    await history.close();
  });

  it('stores a large batch as count and digest, keeping its points in memory', async () => {
    const history = createHistoryRecorder({
      path: join(dir, 'history.jsonl'),
      clock: new ManualClock(),
      inlinePointsMax: 2,
    });
    const points: Point[] = [
      [1n, 1],
      [2n, 2.5],
      [3n, -0],
    ];
    await history.run(0, 'write', 's', { points, note: 'big' }, async () => undefined);
    const [entry] = history.entries();
    expect(entry?.args).toEqual({ note: 'big', count: 3, digest: pointsDigest(points) });
    expect(pointsDigest(points)).toMatch(/^[0-9a-f]{64}$/);
    expect(pointsDigest(points)).not.toBe(pointsDigest(points.slice(0, 2)));
    expect(history.pointsOf(0)).toEqual(points);
    await history.close();
  });

  it('copies the batch, so a caller reusing its array cannot change the evidence', async () => {
    const history = createHistoryRecorder({ path: join(dir, 'history.jsonl'), clock: new ManualClock() });
    const points: Point[] = [[1n, 1]];
    await history.run(0, 'write', 's', { points }, async () => undefined);
    points.push([2n, 2]);
    expect(history.pointsOf(0)).toEqual([[1n, 1]]);
    await history.close();
  });

  it('rejects a write recorded without its points (a bug in the scenario)', async () => {
    const history = createHistoryRecorder({ path: join(dir, 'history.jsonl'), clock: new ManualClock() });
    await expect(history.run(0, 'write', 's', {}, async () => undefined)).rejects.toThrow(/invariant/);
    await history.close();
  });

  it('flushes when its buffer fills and on its interval, before close', async () => {
    const path = join(dir, 'history.jsonl');
    const history = createHistoryRecorder({
      path,
      clock: new ManualClock(),
      bufferEntriesMax: 2,
      flushIntervalMs: 20,
    });
    await history.run(0, 'get', 's', { key: 1n }, async () => 1);
    await history.run(0, 'get', 's', { key: 2n }, async () => 1);
    await expect.poll(async () => (await lines(path).catch(() => [])).length, { timeout: 2_000 }).toBe(2);
    await history.run(0, 'get', 's', { key: 3n }, async () => 1);
    // Below the buffer bound: only the interval writes it.
    await expect.poll(async () => (await lines(path)).length, { timeout: 2_000 }).toBe(3);
    await history.close();
  });

  it('writes an empty file for an empty history, closes once, and refuses use after close', async () => {
    const history = createHistoryRecorder({ path: join(dir, 'empty.jsonl'), clock: new ManualClock() });
    const path = await history.close();
    expect(await readFile(path, 'utf8')).toBe('');
    expect(await history.close()).toBe(path);
    await expect(history.run(0, 'get', 's', {}, async () => 1)).rejects.toThrow(/invariant/);
  });

  it('keeps an operation that completes after close in memory only', async () => {
    const history = createHistoryRecorder({ path: join(dir, 'late.jsonl'), clock: new ManualClock() });
    let finish: () => void = () => undefined;
    const late = history.run(0, 'get', 's', {}, () => new Promise<number>((r) => (finish = () => r(1))));
    const path = await history.close();
    finish();
    await late;
    expect(history.entries()).toHaveLength(1);
    expect(await readFile(path, 'utf8')).toBe('');
  });

  it('reports a file it cannot write at close', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const history = createHistoryRecorder({
      path: join(dir, 'file', 'history.jsonl'),
      clock: new ManualClock(),
    });
    await history.run(0, 'get', 's', {}, async () => 1);
    await expect(history.close()).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    await expect(history.close()).rejects.toThrow();
  });
});
