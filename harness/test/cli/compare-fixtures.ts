import { machineFacts } from '../../src/runner/machine.ts';
import type { ScenarioResult } from '../../src/runner/result.ts';

/** A valid scale result with the given metrics, for the compare tests. */
export function resultWith(
  metrics: Record<string, unknown>,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return {
    schemaVersion: 1,
    scenario: 'scale',
    category: 'performance',
    description: 'a result',
    status: 'passed',
    engine: { engine: 'omendb', version: '0.1.0', adapter: 'embedded' },
    gitCommit: null,
    params: { points: 1000 },
    seed: 7,
    profile: 'ci',
    machine: machineFacts(),
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:01.000Z',
    durationMs: 1000,
    metrics,
    checks: [{ name: 'ok', pass: true, value: 1, threshold: '== 1' }],
    evidence: [],
    ...extra,
  };
}
