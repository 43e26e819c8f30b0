import { describe, expect, it } from 'vitest';
import { checkSetFull } from '../../../src/history/checkers/set-full.ts';
import type { EngineState } from '../../../src/history/history.ts';
import { ManualClock } from '../../../src/runner/clock.ts';
import { PrunedHistory } from '../../../src/scenario-support/soak/pruned-history.ts';
import {
  soakEntryPoints,
  soakKey,
  soakKeyBase,
  soakPoints,
  soakSeriesName,
} from '../../../src/scenario-support/soak/soak-workload.ts';

const series = soakSeriesName(0);

function history(entriesMax?: number) {
  const clock = new ManualClock();
  const h = new PrunedHistory({
    clock,
    pointsOf: soakEntryPoints,
    ...(entriesMax === undefined ? {} : { entriesMax }),
  });
  return { clock, h };
}

/** Writes keys [first, first + count) of series 0 and acknowledges it. */
function write(h: PrunedHistory, first: number, count: number, outcome: 'ok' | 'fail' | 'unknown' = 'ok') {
  const index = h.begin('write', series, soakKey(first), soakKey(first + count - 1), {
    seriesIndex: 0,
    first,
    count,
  });
  h.complete(index, outcome, outcome === 'ok' ? undefined : 'OMENDB_ERR_WAL_IO');
  return index;
}

/** Deletes every key below key index `boundary` and acknowledges it. */
function deleteBelow(h: PrunedHistory, boundary: number) {
  const to = soakKey(boundary) - 1n;
  const index = h.begin('deleteRange', series, soakKeyBase, to, {
    from: soakKeyBase.toString(),
    to: to.toString(),
  });
  h.complete(index, 'ok');
  return index;
}

/** The state an engine that did exactly what it was asked holds: keys [low, high) of series 0. */
function stateOf(low: number, high: number): EngineState {
  return new Map([[series, new Map(soakPoints(0, low, high - low))]]);
}

describe('PrunedHistory', () => {
  it('drops what an acknowledged delete covers, and stays bounded over a long retention workload', () => {
    const { h, clock } = history();
    const retention = 200;
    let frontier = 0;
    let deletes = 0;
    for (let i = 0; i < 20_000; i++) {
      write(h, frontier, 10);
      frontier += 10;
      clock.advance(1);
      if (i % 8 === 7) {
        deleteBelow(h, frontier - retention);
        deletes++;
      }
    }
    const stats = h.stats();
    console.log(
      `200,000 keys written, ${deletes} deletes: ${stats.kept} entries kept (max ${stats.keptMax}), ${stats.pruned} pruned`,
    );
    // The window (20 writes) plus what accumulates between two deletes, plus the latest delete.
    expect(stats.keptMax).toBeLessThanOrEqual(retention / 10 + 8 + 2);
    expect(stats.pruned).toBe(20_000 + deletes - stats.kept);
    // The pruned history still verifies an engine that did what it was asked.
    const result = checkSetFull(h, stateOf(frontier - retention, frontier));
    expect(result.pass).toBe(true);
    expect(result.counts.checked).toBeGreaterThanOrEqual(retention);
  });

  it('still catches a deleted key that came back: neverWritten', () => {
    const { h } = history();
    write(h, 0, 10);
    write(h, 10, 10);
    deleteBelow(h, 10);
    expect(h.entries().map((e) => e.op)).toEqual(['write', 'deleteRange']);
    const resurrected = stateOf(10, 20);
    resurrected.get(series)?.set(soakKey(3), 3);
    const result = checkSetFull(h, resurrected);
    expect(result.counts.neverWritten).toBe(1);
    expect(result.examples[0]?.key).toBe(soakKey(3).toString());
    // And a lost key of the retained window is lost.
    expect(checkSetFull(h, stateOf(10, 19)).counts.lost).toBe(1);
  });

  it('keeps a write that completed after the delete was invoked (concurrent with it)', () => {
    const { h } = history();
    const to = soakKey(10) - 1n;
    const del = h.begin('deleteRange', series, soakKeyBase, to, {
      from: soakKeyBase.toString(),
      to: to.toString(),
    });
    write(h, 0, 10);
    h.complete(del, 'ok');
    expect(h.entries().map((e) => e.op)).toEqual(['write', 'deleteRange']);
    // Either order is allowed for concurrent operations: present or absent both pass.
    expect(checkSetFull(h, stateOf(0, 10)).pass).toBe(true);
    expect(checkSetFull(h, stateOf(0, 0)).pass).toBe(true);
  });

  it('keeps a write that straddles the delete, and the deletes that a later one does not cover', () => {
    const { h } = history();
    write(h, 0, 10);
    deleteBelow(h, 5);
    expect(h.entries()).toHaveLength(2);
    deleteBelow(h, 8);
    // The first delete is covered by the second; the straddling write is not inside either.
    expect(h.entries().map((e) => e.op)).toEqual(['write', 'deleteRange']);
    expect(checkSetFull(h, stateOf(8, 10)).pass).toBe(true);
  });

  it('keeps no refused operation, keeps unknown ones, and turns what is in flight into unknown', () => {
    const { h } = history();
    write(h, 0, 10, 'fail');
    write(h, 10, 10, 'unknown');
    const inFlight = h.begin('write', series, soakKey(20), soakKey(29), {
      seriesIndex: 0,
      first: 20,
      count: 10,
    });
    expect(h.entries()).toHaveLength(1);
    expect(h.abandonPending()).toBe(1);
    const entries = h.entries();
    expect(entries.map((e) => [e.index, e.outcome, e.code])).toEqual([
      [1, 'unknown', 'OMENDB_ERR_WAL_IO'],
      [inFlight, 'unknown', 'ABANDONED'],
    ]);
    expect(entries[1]!.invokedAt).toBeLessThan(entries[1]!.completedAt);
    // Unknown writes may or may not have happened.
    expect(checkSetFull(h, stateOf(0, 0)).pass).toBe(true);
    expect(checkSetFull(h, stateOf(10, 30)).pass).toBe(true);
    // The refused write did not happen: its keys must not be there.
    expect(checkSetFull(h, stateOf(0, 10)).counts.neverWritten).toBe(10);
  });

  it('rebuilds the points of a kept write, and has none for anything else', () => {
    const { h } = history();
    const w = write(h, 5, 3);
    const d = deleteBelow(h, 1);
    expect(h.pointsOf(w)).toEqual(soakPoints(0, 5, 3));
    expect(h.pointsOf(d)).toBeUndefined();
    expect(h.pointsOf(999)).toBeUndefined();
  });

  it('overflows past entriesMax: it frees what it held and says so', () => {
    const { h } = history(3);
    for (let i = 0; i < 3; i++) write(h, i * 10, 10);
    expect(h.overflowed).toBe(false);
    write(h, 30, 10);
    expect(h.overflowed).toBe(true);
    write(h, 40, 10);
    expect(h.entries()).toHaveLength(0);
    expect(h.stats()).toMatchObject({ kept: 0, overflowed: true });
  });

  it('refuses a completion it never saw begin', () => {
    const { h } = history();
    const w = write(h, 0, 1);
    expect(() => h.complete(w, 'ok')).toThrow(/invariant violated/);
  });
});
