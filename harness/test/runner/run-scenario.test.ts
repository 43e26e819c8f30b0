import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { latencyRecordersMax } from '../../src/limits.ts';
import { ManualClock } from '../../src/runner/clock.ts';
import { type RunScenarioOptions, runScenario } from '../../src/runner/run-scenario.ts';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../../src/runner/scenario.ts';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'omendb-run-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const quiet = { write: () => true, isTTY: false };

function scenario(
  run: (ctx: ScenarioContext) => Promise<ScenarioOutcome>,
  extra: Partial<Scenario> = {},
): Scenario {
  return {
    name: 'demo',
    category: 'correctness',
    description: 'a test scenario',
    requires: [],
    params: { n: { description: 'a number', defaults: { ci: 2, nightly: 20, release: 200 }, min: 1 } },
    run,
    ...extra,
  };
}

function options(extra: Partial<RunScenarioOptions> = {}): RunScenarioOptions {
  return {
    adapterFactory: () => new ModelAdapter(),
    outDir: out,
    seed: 42,
    output: quiet,
    gitCommit: null,
    ...extra,
  };
}

const pass = { name: 'fine', pass: true, value: 1, threshold: '== 1' };

describe('runScenario', () => {
  it('builds the context, runs the scenario and writes a valid result with its evidence', async () => {
    const clock = new ManualClock();
    let seen: ScenarioContext | undefined;
    const report = await runScenario(
      scenario(async (ctx) => {
        seen = ctx;
        await ctx.history.run(0, 'write', 's', { points: [[1n, 1]] }, () =>
          ctx.adapter.write('s', [[1n, 1]]),
        );
        const fresh = await ctx.freshAdapter();
        expect(fresh.isOpen).toBe(true);
        expect(await fresh.listSeries()).toEqual([]);
        ctx.latency('write').record(1.5);
        ctx.latency('write').record(2.5);
        ctx.progress(1, 2, 'half');
        await clock.sleep(1_000);
        ctx.addEvidence('notes.txt');
        ctx.addEvidence(join(ctx.evidenceDir, 'notes.txt'));
        return { metrics: { n: ctx.params.n, first: ctx.prng.int(1000), big: 5n }, checks: [pass] };
      }),
      options({ clock, params: { n: '3' } }),
    );
    expect(report.path).toBe(join(out, 'demo.json'));
    const stored = JSON.parse(await readFile(report.path, 'utf8'));
    expect(stored).toEqual(report.result);
    expect(stored).toMatchObject({
      schemaVersion: 1,
      scenario: 'demo',
      category: 'correctness',
      status: 'passed',
      engine: { engine: 'model', adapter: 'model' },
      gitCommit: null,
      params: { n: 3 },
      seed: 42,
      profile: 'ci',
      durationMs: 1000,
      checks: [pass],
      evidence: ['demo/history.jsonl', 'demo/notes.txt'],
    });
    expect(stored.metrics).toMatchObject({ n: 3, big: '5', historyOutcomes: { ok: 1, fail: 0, unknown: 0 } });
    expect(stored.metrics.latencyMs.write).toMatchObject({ count: 2 });
    expect(stored.metrics.latencyMs.write.max).toBeCloseTo(2.5, 2);
    expect(seen?.adapter.isOpen).toBe(false);
    expect(seen?.evidenceDir).toBe(join(out, 'demo'));
    // The PRNG is the seed's: the same seed gives the same first draw.
    const again = await runScenario(
      scenario(async (ctx) => ({ metrics: { first: ctx.prng.int(1000) }, checks: [pass] })),
      options(),
    );
    expect(again.result.metrics.first).toBe(stored.metrics.first);
    const history = await readFile(join(out, 'demo', 'history.jsonl'), 'utf8');
    expect(history).toBe('');
  });

  it('opens fresh adapters for the scenario and closes those it leaves open', async () => {
    const fresh: EngineAdapter[] = [];
    const report = await runScenario(
      scenario(async (ctx) => {
        for (let i = 0; i < 3; i++) fresh.push(await ctx.freshAdapter());
        expect(fresh.every((a) => a.isOpen)).toBe(true);
        await fresh[0]?.close();
        await fresh[1]?.close();
        fresh.push(await ctx.freshAdapter());
        return { metrics: {}, checks: [pass] };
      }),
      options(),
    );
    expect(report.result.status).toBe('passed');
    expect(fresh.map((a) => a.isOpen)).toEqual([false, false, false, false]);
  });

  it('marks a failing check failed, and a scenario with no check failed too', async () => {
    const failing = await runScenario(
      scenario(async () => ({ metrics: {}, checks: [pass, { ...pass, name: 'bad', pass: false }] })),
      options(),
    );
    expect(failing.result.status).toBe('failed');
    const empty = await runScenario(
      scenario(async () => ({ metrics: {}, checks: [] })),
      options(),
    );
    expect(empty.result.status).toBe('failed');
    expect(empty.result.checks).toEqual([
      { name: 'scenario-reported-checks', pass: false, value: 0, threshold: '>= 1' },
    ]);
  });

  it('skips a scenario whose capabilities the adapter lacks, saying why', async () => {
    let ran = false;
    const report = await runScenario(
      scenario(
        async () => {
          ran = true;
          return { metrics: {}, checks: [pass] };
        },
        { requires: ['killable', 'pausable', 'aggregates'] },
      ),
      options(),
    );
    expect(ran).toBe(false);
    expect(report.result).toMatchObject({ status: 'skipped', checks: [], evidence: [] });
    expect(report.result.skipReason).toMatch(/killable, pausable/);
    expect(report.result.engine.engine).toBe('model');
  });

  it('records a crash of the scenario with its code and stack as evidence, and closes the adapter', async () => {
    let adapter: EngineAdapter | undefined;
    const report = await runScenario(
      scenario(async (ctx) => {
        adapter = ctx.adapter;
        throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', 'engine gone');
      }),
      options(),
    );
    expect(report.result).toMatchObject({
      status: 'crashed',
      error: { code: 'OMENDB_ERR_HARNESS_UNAVAILABLE', message: 'engine gone' },
      checks: [],
      evidence: ['demo/crash.txt', 'demo/history.jsonl'],
    });
    expect(await readFile(join(out, 'demo', 'crash.txt'), 'utf8')).toMatch(/engine gone/);
    expect(adapter?.isOpen).toBe(false);
    const plain = await runScenario(
      scenario(async () => {
        throw 'not an error';
      }),
      options(),
    );
    expect(plain.result.error).toEqual({ code: 'UNCLASSIFIED', message: 'not an error' });
  });

  it('counts a failing factory, open or close as a crash', async () => {
    const factoryFails = await runScenario(
      scenario(async () => ({ metrics: {}, checks: [pass] })),
      options({
        adapterFactory: () => {
          throw new Error('no engine');
        },
      }),
    );
    expect(factoryFails.result).toMatchObject({ status: 'crashed', engine: { engine: 'unknown' } });
    class BadClose extends ModelAdapter {
      protected override async _close(): Promise<void> {
        throw new Error('cannot stop');
      }
    }
    const closeFails = await runScenario(
      scenario(async () => ({ metrics: {}, checks: [pass] })),
      options({ adapterFactory: () => new BadClose() }),
    );
    expect(closeFails.result).toMatchObject({
      status: 'crashed',
      error: { message: 'cannot stop' },
      checks: [pass],
    });
    class BadOpen extends ModelAdapter {
      protected override async _open(): Promise<void> {
        throw new OmenDbError('OMENDB_ERR_DIR_LOCKED', 'locked');
      }
      protected override async _describe(): Promise<never> {
        throw new Error('no description');
      }
    }
    const openFails = await runScenario(
      scenario(async () => ({ metrics: {}, checks: [pass] }), { requires: ['killable'] }),
      options({ adapterFactory: () => new BadOpen() }),
    );
    expect(openFails.result).toMatchObject({ status: 'skipped', engine: { engine: 'unknown' } });
    const openCrash = await runScenario(
      scenario(async () => ({ metrics: {}, checks: [pass] })),
      options({ adapterFactory: () => new BadOpen() }),
    );
    expect(openCrash.result).toMatchObject({ status: 'crashed', error: { code: 'OMENDB_ERR_DIR_LOCKED' } });
  });

  it('crashes a scenario that misuses its context (evidence outside its directory, too many recorders)', async () => {
    const outside = await runScenario(
      scenario(async (ctx) => {
        ctx.addEvidence('../escape.txt');
        return { metrics: {}, checks: [pass] };
      }),
      options(),
    );
    expect(outside.result.status).toBe('crashed');
    const recorders = await runScenario(
      scenario(async (ctx) => {
        for (let i = 0; i <= latencyRecordersMax; i++) ctx.latency(`r${i}`);
        return { metrics: {}, checks: [pass] };
      }),
      options(),
    );
    expect(recorders.result.error?.message).toMatch(/latency recorders/);
  });

  it('refuses bad parameters before running (usage), and an invalid result without writing it', async () => {
    let ran = false;
    const run = async () => {
      ran = true;
      return { metrics: {}, checks: [pass] };
    };
    await expect(runScenario(scenario(run), options({ params: { n: '0' } }))).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_USAGE',
    });
    await expect(runScenario(scenario(run), options({ params: { m: '1' } }))).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_USAGE',
    });
    expect(ran).toBe(false);
    await expect(runScenario(scenario(run), options({ seed: -1 }))).rejects.toThrow(/invariant/);
    await expect(
      runScenario(
        scenario(async () => ({ metrics: {}, checks: [{ ...pass, name: '' }] })),
        options(),
      ),
    ).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_RESULT_INVALID' });
    await expect(stat(join(out, 'demo.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('uses the profile given, the real clock, the git commit and stdout by default', async () => {
    const report = await runScenario(
      scenario(async (ctx) => ({ metrics: { profile: ctx.profile }, checks: [pass] })),
      { adapterFactory: () => new ModelAdapter(), outDir: out, seed: 0, profile: 'release' },
    );
    expect(report.result).toMatchObject({
      profile: 'release',
      params: { n: 200 },
      metrics: { profile: 'release' },
    });
    expect(report.result.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  });
});
