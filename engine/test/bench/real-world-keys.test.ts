import { describe, expect, it } from 'vitest';
import { flightsRowsMax, loadFlightKeySet } from '../../bench/real-world-keys.ts';

describe('the real-world key set (flights)', () => {
  it('loads unique, increasing keys within the first half of 2001, one per flight', async () => {
    const set = await loadFlightKeySet(20_000);
    expect(set.keys.length).toBe(20_000);
    expect(set.values.length).toBe(20_000);
    const start = BigInt(Date.UTC(2001, 0, 1));
    const end = BigInt(Date.UTC(2001, 6, 2));
    for (let i = 0; i < set.keys.length; i++) {
      expect(set.keys[i]! >= start && set.keys[i]! < end).toBe(true);
      if (i > 0) expect(set.keys[i]! > set.keys[i - 1]!).toBe(true);
      expect(Number.isFinite(set.values[i]!)).toBe(true);
    }
    // Real data is irregular: many flights share a minute, and some minutes have none.
    const gaps = new Set<bigint>();
    for (let i = 1; i < set.keys.length; i++) gaps.add(set.keys[i]! - set.keys[i - 1]!);
    expect(gaps.size).toBeGreaterThan(50);
    expect(flightsRowsMax).toBe(3_000_000);
  });
});
