import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineAdapter, ScenarioResult } from '@omendb/harness';
import {
  DropEveryNthWrite,
  EmbeddedAdapter,
  runScenario,
  StaleAfterRestart,
  ZeroForAbsent,
} from '@omendb/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { propertyModel } from '../property-model.ts';
import { expectCaught, expectPassed, readinessOf } from './readiness-of.ts';

/**
 * A check is trusted only once it has been seen to fail: property-model runs against engines
 * broken on purpose (behind the same adapter contract) and must fail each time, naming the check
 * that caught it; replaying the failing seed gives the same failure. The run's readiness report
 * then scores Core Algorithm below its required score and the gate fails, where the honest
 * engine's run scores the same check in full.
 */
const quiet = { write: () => true };
const seed = 20261130;
/** Small runs keep the file quick: each defect is hit within a few runs; shrinking is cut at the time limit. */
const params = { numRuns: 40, maxCommands: 60, timeLimitMs: 10_000 };

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'omendb-broken-engines-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

async function runAgainst(broken: () => EngineAdapter, runSeed = seed): Promise<ScenarioResult> {
  const { result } = await runScenario(propertyModel, {
    adapterFactory: broken,
    outDir: out,
    seed: runSeed,
    output: quiet,
    params,
  });
  return result;
}

function failingChecks(result: ScenarioResult): string[] {
  return result.checks.filter((check) => !check.pass).map((check) => check.name);
}

const brokenEngines: readonly [string, () => EngineAdapter][] = [
  ['drops every 97th acknowledged write', () => new DropEveryNthWrite(new EmbeddedAdapter())],
  ['drops every 7th acknowledged write', () => new DropEveryNthWrite(new EmbeddedAdapter(), { n: 7 })],
  ['returns stale values after a restart', () => new StaleAfterRestart(new EmbeddedAdapter())],
  ['returns 0 instead of absent', () => new ZeroForAbsent(new EmbeddedAdapter())],
];

describe('property-model against broken engines', () => {
  it('passes against the honest embedded engine with the same seed and parameters', async () => {
    const result = await runAgainst(() => new EmbeddedAdapter());
    expect(result.status).toBe('passed');
    expectPassed(await readinessOf(out), 'core-algorithm', ['property-model-embedded']);
  });

  it.each(brokenEngines)('fails against an engine that %s, naming the check', async (_what, broken) => {
    const result = await runAgainst(broken);
    expect(result.status).toBe('failed');
    expect(failingChecks(result)).toContain('property-model-agrees');
    expectCaught(await readinessOf(out), 'core-algorithm', ['property-model-embedded']);
  });

  it('replays a failing seed to the same failure', async () => {
    const broken = () => new ZeroForAbsent(new EmbeddedAdapter());
    const first = await runAgainst(broken);
    const replay = await runAgainst(broken);
    expect(first.status).toBe('failed');
    expect(failingChecks(replay)).toEqual(failingChecks(first));
    const counterexample = (result: ScenarioResult) =>
      result.checks.find((check) => check.name === 'property-model-agrees')?.value;
    expect(counterexample(replay)).toEqual(counterexample(first));
  });
});
