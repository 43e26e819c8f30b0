import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedFromEnv } from '@omendb/engine';
import {
  type AdapterFactory,
  ModelAdapter,
  type ParamOverrides,
  runScenario,
  selectAdapter,
} from '@omendb/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckBeforeFsync } from '../../harness/src/broken/ack-before-fsync.ts';
import { crashPowerLoss } from '../crash-power-loss.ts';
import { expectCaught, expectPassed, readinessOf } from './readiness-of.ts';

const quiet = { info() {}, warn() {}, error() {} };
const simulated = selectAdapter('embedded-sim', {});
const seed = seedFromEnv();
let out: string;

beforeAll(async () => {
  console.log(`crash-power-loss seed ${seed} (replay: OMENDB_SEED=${seed})`);
  out = await mkdtemp(join(tmpdir(), 'omendb-power-loss-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function run(adapterFactory: AdapterFactory, runSeed: number, params?: ParamOverrides, dir = 'run') {
  return runScenario(crashPowerLoss, {
    adapterFactory,
    outDir: join(out, dir),
    seed: runSeed,
    ...(params === undefined ? {} : { params }),
    output: { write: () => true },
    gitCommit: null,
  });
}

/** The Durability checks of the readiness policy that read this scenario. */
const powerLossChecks = ['power-loss-status', 'power-loss-violations'];

describe('crash-power-loss', () => {
  it('asks for at least 5,000 crash points in ci and 100,000 in release', () => {
    expect(crashPowerLoss.params.crashPoints?.defaults.ci).toBeGreaterThanOrEqual(5_000);
    expect(crashPowerLoss.params.crashPoints?.defaults.release).toBe(100_000);
    expect(crashPowerLoss.requires).toContain('simulatedPowerLoss');
  });

  it('passes its ci profile on the embedded engine over the simulated file system', async () => {
    const started = performance.now();
    const { result, path } = await run(simulated, seed);
    const seconds = (performance.now() - started) / 1000;
    const metrics = result.metrics as Record<string, unknown>;
    console.log(
      `crash-power-loss ci: ${metrics.crashPoints} crash points (${metrics.crashesInWorkload} inside workloads, ${metrics.crashesInRestart} inside restarts), ${metrics.acknowledgedOps} acknowledged operations, faults ${JSON.stringify(metrics.faultsInjected)}, ${seconds.toFixed(1)} s`,
    );
    expect(result.status).toBe('passed');
    expect(metrics.crashPoints).toBeGreaterThanOrEqual(5_000);
    expect(result.checks.map((c) => [c.name, c.pass])).toEqual([
      ['violations', true],
      ['crash points', true],
      ['io-fault cases passed', true],
    ]);
    // Crash points landed in flushes and compactions (segment and manifest I/O), not only in the WAL.
    const byFile = metrics.crashedAfterIoOn as Record<string, number>;
    expect(byFile.segments).toBeGreaterThan(100);
    expect(byFile.manifest).toBeGreaterThan(100);
    expect(byFile.wal).toBeGreaterThan(100);
    const faults = metrics.faultsInjected as Record<string, number>;
    expect(faults['enospc-write']! + faults['eio-fsync']!).toBe(
      crashPowerLoss.params.ioFaultCases?.defaults.ci,
    );
    expect(JSON.parse(await readFile(path, 'utf8')).evidence).toContain('crash-power-loss/violations.json');
    expectPassed(await readinessOf(join(out, 'run')), 'durability', powerLossChecks);
  });

  it('replays the same crash points and faults from the same seed', async () => {
    const params = { crashPoints: 150, ioFaultCases: 4 };
    const a = await run(simulated, seed, params, 'replay-a');
    const b = await run(simulated, seed, params, 'replay-b');
    const { crashSeconds: _a, ...first } = a.result.metrics as Record<string, unknown>;
    const { crashSeconds: _b, ...second } = b.result.metrics as Record<string, unknown>;
    expect(second).toEqual(first);
  });

  it('fails against an engine that acknowledges writes before the WAL fsync', async () => {
    const broken = () =>
      new AckBeforeFsync({ logger: quiet, memtableBytesMax: 2048, compactionSegmentsTrigger: 3 });
    const { result } = await run(broken, seed, { crashPoints: 300, ioFaultCases: 2 }, 'broken');
    expect(result.status).toBe('failed');
    const violations = result.checks.find((c) => c.name === 'violations');
    expect(violations?.pass).toBe(false);
    const kinds = (result.metrics as { violations?: Record<string, number> }).violations;
    expect(kinds?.['lost-acknowledged']).toBeGreaterThan(0);
    // The readiness run's verdict on it: Durability below its required score, the gate failing.
    expectCaught(await readinessOf(join(out, 'broken')), 'durability', powerLossChecks);
  });

  it('is skipped, saying why, on an adapter without a simulated file system', async () => {
    const { result } = await run(() => new ModelAdapter(), seed, undefined, 'skipped');
    expect(result.status).toBe('skipped');
    expect(result.skipReason).toMatch(/simulatedPowerLoss/);
  });
});
