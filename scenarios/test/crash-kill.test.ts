import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedFromEnv } from '@omendb/engine';
import { type AdapterFactory, HttpAdapter, runScenario } from '@omendb/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DropEveryNthWrite } from '../../harness/src/broken/drop-every-nth-write.ts';
import { crashKill } from '../crash-kill.ts';

/**
 * Small runs (a few kills each: a restart costs one to two seconds); the ci profile itself (25
 * kills) is run by `omendb-harness run crash-kill --engine http --profile ci`.
 */
const seed = seedFromEnv();
let out: string;

beforeAll(async () => {
  console.log(`crash-kill seed ${seed} (replay: OMENDB_SEED=${seed})`);
  out = await mkdtemp(join(tmpdir(), 'omendb-crash-kill-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

function run(adapterFactory: AdapterFactory, dir: string, kills: number, pauseShare: number) {
  return runScenario(crashKill, {
    adapterFactory,
    outDir: join(out, dir),
    seed,
    params: { kills, pauseShare },
    output: { write: () => true },
    gitCommit: null,
  });
}

describe('crash-kill', () => {
  it('asks for at least 25 kills in ci and 200 in release', () => {
    expect(crashKill.params.kills?.defaults.ci).toBeGreaterThanOrEqual(25);
    expect(crashKill.params.kills?.defaults.release).toBe(200);
  });

  it('loses nothing across SIGKILLs and pauses of a spawned server', async () => {
    const { result } = await run(() => new HttpAdapter(), 'honest', 5, 0.4);
    const metrics = result.metrics as Record<string, number>;
    console.log(
      `crash-kill: ${metrics.kills} kills, ${metrics.pauses} pauses, ${metrics.acknowledgedPoints} acknowledged points, ${metrics.unknownBatches} unknown batches (${metrics.unknownBatchesPresent} present, ${metrics.unknownBatchesAbsent} absent), lost ${metrics.lost}, wrong ${metrics.wrong}, partial ${metrics.partial}, resurrected ${metrics.resurrected}`,
    );
    expect(result.status).toBe('passed');
    expect(metrics.kills).toBe(5);
    expect(metrics.acknowledgedPoints).toBeGreaterThan(0);
    for (const name of [
      'set-full.lost',
      'set-full.wrongValue',
      'atomic-batches.partial',
      'deletes-stay-deleted.resurrected',
    ])
      expect(result.checks.find((c) => c.name === name)?.pass).toBe(true);
    expect(result.evidence).toContain('crash-kill/history.jsonl');
  });

  it('fails, naming the lost points, against an engine that drops acknowledged writes', async () => {
    // The defect exactly: one acknowledged write in 97 silently dropped. Trials are
    // time-boxed, so a loaded machine writes less per trial: eight kills' worth (about a thousand
    // writes per trial on a quiet machine) still drop several when the other test files load
    // both cores (three once wrote fewer than 97 in a full CI run).
    // Every adapter the run builds (the scenario may ask for fresh ones): the drops are counted
    // over all of them, not only over the last one built.
    const built: DropEveryNthWrite[] = [];
    const { result } = await run(
      () => {
        const broken = new DropEveryNthWrite(new HttpAdapter());
        built.push(broken);
        return broken;
      },
      'broken',
      8,
      0,
    );
    const dropped = built.reduce((sum, broken) => sum + broken.dropped, 0);
    expect(dropped, 'writes the broken engine dropped').toBeGreaterThan(0);
    expect(result.status, JSON.stringify({ error: result.error, metrics: result.metrics })).toBe('failed');
    const lost = result.checks.find((c) => c.name === 'set-full.lost');
    expect(lost?.pass).toBe(false);
    expect(Number(lost?.value)).toBeGreaterThan(0);
  });
});
