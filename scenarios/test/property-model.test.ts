import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Capabilities, Point, RunScenarioOptions } from '@omendb/harness';
import { EmbeddedAdapter, ModelAdapter, runScenario } from '@omendb/harness';
import { OmenDbError } from '@omendb/engine';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandArbitraries, propertyModel } from '../property-model.ts';

const bin = fileURLToPath(new URL('../../harness/bin/omendb-harness.js', import.meta.url));
const quiet = { write: () => true };

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'omendb-property-model-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Broken on purpose, deterministically: acknowledges a batch holding key 7 but drops it. */
class DropsKeySeven extends ModelAdapter {
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    if (points.some(([key]) => key === 7n)) return;
    await super._write(series, points);
  }
}

/** A model that also claims to be killable (kill does nothing), to drive kill+restart commands. */
class KillableModel extends ModelAdapter {
  kills = 0;
  override readonly capabilities: Capabilities = { ...new ModelAdapter().capabilities, killable: true };
  protected override async _kill(): Promise<void> {
    this.kills++;
  }
}

function options(extra: Partial<RunScenarioOptions>): RunScenarioOptions {
  return { adapterFactory: () => new ModelAdapter(), outDir: out, seed: 11, output: quiet, ...extra };
}

describe('property-model', () => {
  it('passes against the embedded engine, and the history replays into the state read back', async () => {
    const { result } = await runScenario(
      propertyModel,
      options({ adapterFactory: () => new EmbeddedAdapter(), params: { numRuns: 30 } }),
    );
    expect(result.status).toBe('passed');
    expect(result.metrics).toMatchObject({ fcNumRuns: 30, interrupted: false });
    expect(result.metrics.commands).toBeGreaterThan(100);
    expect(result.checks.map((c) => c.name)).toEqual([
      'property-model-agrees',
      'property-model-runs',
      'model-equivalence.missing',
      'model-equivalence.extra',
      'model-equivalence.wrongValue',
      'model-equivalence.readMismatch',
      'model-equivalence.unknownOutcome',
      'model-equivalence.concurrent',
    ]);
    expect(result.evidence).toEqual(['property-model/history.jsonl']);
  });

  it('runs kill+restart commands only where the adapter is killable', async () => {
    let adapter: KillableModel | undefined;
    const { result } = await runScenario(
      propertyModel,
      options({
        adapterFactory: () => {
          adapter = new KillableModel();
          return adapter;
        },
        params: { numRuns: 20 },
      }),
    );
    expect(result.status).toBe('passed');
    expect(adapter?.kills).toBeGreaterThan(0);
  });

  it('draws lifecycle commands only by capability', () => {
    const names = (adapter: ModelAdapter) =>
      new Set(
        fc
          .sample(fc.commands(commandArbitraries(adapter), { maxCommands: 50 }), { numRuns: 200, seed: 1 })
          .flatMap((cmds) => [...cmds].map((c) => String(c).replace(/\(.*$/, ''))),
      );
    const plain = names(new ModelAdapter());
    expect([...plain].sort()).toEqual([
      'checkpoint',
      'deleteRange',
      'dropSeries',
      'get',
      'range',
      'restart',
      'write',
    ]);
    expect(names(new KillableModel())).toContain('kill');
    class Static extends ModelAdapter {
      override readonly capabilities: Capabilities = {
        ...new ModelAdapter().capabilities,
        restartable: false,
        checkpoint: false,
      };
    }
    expect([...names(new Static())].sort()).toEqual(['deleteRange', 'dropSeries', 'get', 'range', 'write']);
  });

  it('fails against an engine that loses writes, with the seed, path and shrunk commands, and replays', async () => {
    const { result } = await runScenario(
      propertyModel,
      options({ adapterFactory: () => new DropsKeySeven() }),
    );
    expect(result.status).toBe('failed');
    const agrees = result.checks.find((c) => c.name === 'property-model-agrees');
    expect(agrees?.pass).toBe(false);
    expect(agrees?.value).toMatch(/^seed 11 path [\d:]+: .*write\(pm\.\S+, \[.*\[7n, /);
    const fcPath = String(result.metrics.fcPath);
    const fcReplayPath = String(result.metrics.fcReplayPath);
    const counterexample = String(result.metrics.counterexample);
    expect(fcPath).toMatch(/^[\d:]+$/);
    expect(result.evidence).toContain('property-model/counterexample.txt');
    expect(await readFile(join(out, 'property-model', 'counterexample.txt'), 'utf8')).toMatch(
      /replay: omendb-harness run property-model --seed 11 --param fcPath=/,
    );
    // The model equivalence of the history catches it too, independently of fast-check.
    expect(result.checks.some((c) => c.name.startsWith('model-equivalence.') && !c.pass)).toBe(true);

    const replay = await runScenario(
      propertyModel,
      options({ adapterFactory: () => new DropsKeySeven(), params: { fcPath, fcReplayPath } }),
    );
    expect(replay.result.status).toBe('failed');
    expect(replay.result.metrics.counterexample).toBe(counterexample);
    expect(replay.result.metrics.fcNumRuns).toBe(1);
  });

  it('reports an engine the counterexample left unreadable as a failed check, not a crash', async () => {
    class DeadAfterRestart extends ModelAdapter {
      private dead = false;
      protected override async _restart(): Promise<void> {
        this.dead = true;
      }
      protected override async _listSeries(): Promise<string[]> {
        if (this.dead) throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', 'gone');
        return super._listSeries();
      }
    }
    const { result } = await runScenario(
      propertyModel,
      options({ adapterFactory: () => new DeadAfterRestart(), params: { numRuns: 20 } }),
    );
    expect(result.status).toBe('failed');
    expect(result.checks).toContainEqual({
      name: 'final-state-readable',
      pass: false,
      value: 'OMENDB_ERR_HARNESS_UNAVAILABLE',
      threshold: 'readable',
    });
    // Once dead, even an empty run fails (it cannot list series to empty them): shrunk to nothing.
    expect(result.checks.find((c) => c.name === 'property-model-agrees')?.pass).toBe(false);
  });

  it('runs through the command, its checks in the JSON', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        bin,
        'run',
        'property-model',
        '--engine',
        'embedded',
        '--out',
        out,
        '--seed',
        '5',
        '--param',
        'numRuns=10',
      ],
      { timeout: 60_000 },
    );
    expect(stdout.split('\n')[0]).toMatch(/^seed 5 /);
    expect(stdout).toMatch(/property-model: PASSED/);
    const stored = JSON.parse(await readFile(join(out, 'property-model.json'), 'utf8'));
    expect(stored).toMatchObject({
      status: 'passed',
      seed: 5,
      params: { numRuns: 10 },
      engine: { adapter: 'embedded' },
    });
  });
});
