import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmenDbError, seedFromEnv } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Capabilities, declareCapabilities, type Point } from '../../../src/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { ManualClock } from '../../../src/runner/clock.ts';
import { runScenario } from '../../../src/runner/run-scenario.ts';
import { readIntervalLog } from '../../../src/scenario-support/soak/interval-log.ts';
import { soak } from '../../../../scenarios/soak.ts';

const seed = seedFromEnv();
let out: string;
beforeAll(async () => {
  console.log(`soak-run seed ${seed} (replay: OMENDB_SEED=${seed})`);
  out = await mkdtemp(join(tmpdir(), 'omendb-soak-run-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** An engine without aggregates whose WAL fails one write in ten and that cannot list its series. */
class Flaky extends ModelAdapter {
  override readonly capabilities: Capabilities = declareCapabilities({ durable: true });
  private writes = 0;
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    if (++this.writes % 10 === 0) throw new OmenDbError('OMENDB_ERR_WAL_IO', 'the disk is full');
    return super._write(series, points);
  }
  protected override async _listSeries(): Promise<string[]> {
    throw new OmenDbError('OMENDB_ERR_WAL_IO', 'the disk is gone');
  }
}

describe('runSoak', () => {
  it('counts errors by code, leaves aggregates out of the mix where there are none, says why it could not verify', async () => {
    const { result } = await runScenario(soak, {
      adapterFactory: () => new Flaky(),
      outDir: out,
      seed,
      clock: new ManualClock(),
      params: { duration: '10m', rate: 2, intervalMs: 60_000, warmupMs: 60_000 },
      output: { write: () => true },
      gitCommit: null,
    });
    const metrics = result.metrics as Record<string, unknown>;
    expect(result.status).toBe('failed');
    expect(metrics.aggregatesInMix).toBe(false);
    const failed = Object.fromEntries(result.checks.filter((c) => !c.pass).map((c) => [c.name, c.value]));
    expect(Object.keys(failed).sort()).toEqual(['error-rate', 'verification']);
    expect(failed.verification).toBe('not verified: reading the final state failed: OMENDB_ERR_WAL_IO');
    expect(failed['error-rate']).toBeGreaterThan(0.02);
    expect(Object.keys(metrics.errorsByCode as object)).toEqual(['OMENDB_ERR_WAL_IO']);
    const log = await readIntervalLog(join(out, 'soak', 'intervals.jsonl'));
    expect(log.intervals).toHaveLength(10);
    expect(log.intervals.some((i) => 'aggregate' in i.opsByKind)).toBe(false);
    expect(log.end?.verified).toBe(false);
  });
});
