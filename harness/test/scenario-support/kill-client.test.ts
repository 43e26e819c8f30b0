import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng, OmenDbError } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { checkAtomicBatches } from '../../src/history/checkers/atomic-batches.ts';
import { checkDeletesStayDeleted } from '../../src/history/checkers/deletes-stay-deleted.ts';
import { checkSetFull } from '../../src/history/checkers/set-full.ts';
import { createHistoryRecorder } from '../../src/history/history-recorder.ts';
import { crashKillBackoffMs } from '../../src/limits.ts';
import { ManualClock, realClock } from '../../src/runner/clock.ts';
import { Gate } from '../../src/scenario-support/gate.ts';
import { KillClient, killSeries } from '../../src/scenario-support/kill-client.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-kill-client-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The model, yielding to the event loop on every write, with a hook that can stop the clients. */
class SlowModel extends ModelAdapter {
  writes = 0;
  onWrite: (() => void) | undefined;
  failing = false;
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.writes++;
    this.onWrite?.();
    if (this.failing) throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', 'down');
    return super._write(series, points);
  }
  protected override async _deleteRange(series: string, from?: bigint, to?: bigint): Promise<void> {
    if (this.failing) throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', 'down');
    return super._deleteRange(series, from, to);
  }
}

describe('crash-kill client', () => {
  it('writes fresh keys, overwrites and deletes, in its own signed part of the key space', async () => {
    const adapter = new SlowModel();
    await adapter.open();
    const history = createHistoryRecorder({ path: join(root, 'a.jsonl'), clock: realClock });
    const gate = new Gate();
    const clients = [0, 1].map(
      (id) => new KillClient(id, adapter, history, createPrng(id + 1), gate, realClock),
    );
    adapter.onWrite = () => {
      if (adapter.writes >= 150) for (const client of clients) client.stop();
    };
    await Promise.all(clients.map((client) => client.run()));
    const entries = history.entries();
    expect(new Set(entries.map((e) => e.op))).toEqual(new Set(['write', 'deleteRange']));
    expect(entries.every((e) => e.outcome === 'ok' && killSeries.includes(e.series))).toBe(true);
    const values = entries
      .filter((e) => e.op === 'write')
      .flatMap((e) => (history.pointsOf(e.index) ?? []).map(([, v]) => v));
    expect(new Set(values).size).toBe(values.length);
    for (const entry of entries) {
      const keys =
        entry.op === 'write'
          ? (history.pointsOf(entry.index) ?? []).map(([k]) => k)
          : [BigInt(String(entry.args.from)), BigInt(String(entry.args.to))];
      for (const key of keys) expect(key > 0n).toBe(entry.process === 0);
      if (entry.op === 'deleteRange') expect(keys[0]! <= keys[1]!).toBe(true);
    }
    expect(clients[0]!.stats.acknowledgedPoints).toBeGreaterThan(0);
    // What the clients did is what the checkers expect of a correct engine.
    const state = adapter.snapshot();
    expect(checkSetFull(history, state).pass).toBe(true);
    expect(checkAtomicBatches(history, state).pass).toBe(true);
    expect(checkDeletesStayDeleted(history, state).pass).toBe(true);
    await history.close();
  });

  it('records unknown outcomes and backs off while the server is down, and waits at a closed gate', async () => {
    const adapter = new SlowModel();
    await adapter.open();
    adapter.failing = true;
    const clock = new ManualClock();
    const history = createHistoryRecorder({ path: join(root, 'b.jsonl'), clock });
    const gate = new Gate();
    const client = new KillClient(0, adapter, history, createPrng(9), gate, clock);
    adapter.onWrite = () => {
      if (adapter.writes >= 40) gate.close();
    };
    const running = client.run();
    for (let i = 0; i < 10_000 && !(adapter.writes >= 40 && !gate.isOpen); i++)
      await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const before = history.entries().length;
    client.stop();
    gate.open();
    await running;
    expect(history.entries().length).toBe(before);
    expect(history.entries().every((e) => e.outcome === 'unknown')).toBe(true);
    expect(history.entries().some((e) => e.op === 'deleteRange')).toBe(true);
    expect(clock.now()).toBe(crashKillBackoffMs * history.entries().length);
    await history.close();
  });
});
