import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedFromEnv } from '@omendb/engine';
import { type ParamOverrides, runScenario, selectAdapter } from '@omendb/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruption } from '../corruption.ts';

const seed = seedFromEnv();
let out: string;

beforeAll(async () => {
  console.log(`corruption seed ${seed} (replay: OMENDB_SEED=${seed})`);
  out = await mkdtemp(join(tmpdir(), 'omendb-corruption-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

function run(runSeed: number, dir: string, params?: ParamOverrides) {
  return runScenario(corruption, {
    adapterFactory: selectAdapter('embedded', {}),
    outDir: join(out, dir),
    seed: runSeed,
    ...(params === undefined ? {} : { params }),
    output: { write: () => true },
    gitCommit: null,
  });
}

describe('corruption', () => {
  it('passes its ci profile: every damage detected or harmless, the check agreeing with open', async () => {
    const started = performance.now();
    const { result, path } = await run(seed, 'ci');
    const metrics = result.metrics as Record<string, unknown>;
    console.log(
      `corruption ci: damages ${JSON.stringify(metrics.damages)}, detected ${metrics.detected}, torn tail ${metrics.tornTail}, intact ${metrics.intact}, wrong values ${metrics.wrongValues}, omendb check runs ${metrics.checkRuns}, disagreements ${metrics.checkDisagreements}, codes ${JSON.stringify(metrics.openCodes)}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(result.status).toBe('passed');
    expect(result.checks.map((c) => [c.name, c.pass])).toEqual([
      ['wrong values', true],
      ['damages not detected nor harmless', true],
      ['check disagreements', true],
      ['damages applied', true],
      ['omendb check runs', true],
    ]);
    const defaults = corruption.params;
    expect(metrics.damages).toEqual({
      'bit-flip': defaults.bitFlips?.defaults.ci,
      truncate: defaults.truncations?.defaults.ci,
      'zero-page': defaults.zeroPages?.defaults.ci,
    });
    expect(metrics.checkRuns).toBe(defaults.checkRuns?.defaults.ci);
    // Every kind of file was damaged, and most damage was refused with a code naming it.
    expect(Object.keys(metrics.damagesByFile as object).sort()).toEqual(['manifest', 'segment', 'wal']);
    expect(metrics.detected).toBeGreaterThan(Number(metrics.tornTail));
    const evidence = JSON.parse(await readFile(path, 'utf8')).evidence as string[];
    expect(evidence).toContain('corruption/corruption-cases.jsonl');
    const lines = (await readFile(join(out, 'ci', 'corruption', 'corruption-cases.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(lines).toHaveLength(
      Number(defaults.bitFlips?.defaults.ci) +
        Number(defaults.zeroPages?.defaults.ci) +
        Number(defaults.truncations?.defaults.ci),
    );
    expect(lines.filter((line) => line.includes('"commandExit"'))).toHaveLength(Number(metrics.checkRuns));
  });

  it('replays the same damages from the same seed', async () => {
    const params = { bitFlips: 20, zeroPages: 6, truncations: 6, checkRuns: 1 };
    const a = await run(seed, 'replay-a', params);
    const b = await run(seed, 'replay-b', params);
    expect(b.result.metrics).toEqual(a.result.metrics);
    const cases = (dir: string) => readFile(join(out, dir, 'corruption', 'corruption-cases.jsonl'), 'utf8');
    expect(await cases('replay-b')).toBe(await cases('replay-a'));
  });
});
