import { isOmenDbError } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { profiles, type Scenario } from '../../../src/runner/scenario.ts';
import { resolveParams } from '../../../src/runner/params.ts';
import {
  readSoakParams,
  soakParamSpecs,
  soakThresholdNames,
  soakThresholds,
} from '../../../src/scenario-support/soak/soak-params.ts';

const scenario: Scenario = {
  name: 'soak',
  category: 'stability',
  description: 'd',
  requires: [],
  params: soakParamSpecs,
  run: async () => ({ metrics: {}, checks: [] }),
};

describe('the soak parameters', () => {
  it('resolve per profile: 60s, 30m and 24h, tighter leak thresholds the longer the run', () => {
    const read = profiles.map((p) => readSoakParams(resolveParams(scenario, p)));
    expect(read.map((p) => p.durationMs)).toEqual([60_000, 1_800_000, 86_400_000]);
    expect(read.map((p) => p.thresholds.leakMbPerHourMax)).toEqual([5_000, 100, 20]);
    expect(read.map((p) => p.thresholds.warmupMs)).toEqual([15_000, 300_000, 3_600_000]);
    expect(read[0]?.mix).toEqual({ write: 40, get: 30, range: 15, aggregate: 10, deleteRange: 5 });
    // Every profile leaves at least 3 intervals after warm-up, so the leak verdict has evidence.
    for (const p of read)
      expect((p.durationMs - p.thresholds.warmupMs) / p.intervalMs).toBeGreaterThanOrEqual(3);
  });

  it('name every threshold as a parameter, and refuse a missing one', () => {
    for (const name of soakThresholdNames) expect(soakParamSpecs[name]).toBeDefined();
    const params = resolveParams(scenario, 'ci');
    expect(soakThresholds(params).driftMax).toBe(5);
    const { driftMax: _d, ...missing } = params;
    expect(() => soakThresholds(missing)).toThrow(/driftMax/);
    expect(codeOf(() => resolveParams(scenario, 'ci', { deleteWeight: 0 }))).toBe('OMENDB_ERR_HARNESS_USAGE');
    // A week at 10,000/s is 6 billion operations: refused before anything runs.
    const week = resolveParams(scenario, 'release', { duration: '7d', rate: 10_000 });
    expect(codeOf(() => readSoakParams(week))).toBe('OMENDB_ERR_HARNESS_USAGE');
  });
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isOmenDbError(error) ? error.code : 'not an OmenDbError';
  }
  return undefined;
}
