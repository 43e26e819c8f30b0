import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { soak } from '../../../scenarios/soak.ts';
import { selectAdapter } from '../../src/adapters/select-adapter.ts';
import { formatSoakFloorReport } from '../../src/baselines/soak-floor-report.ts';
import { runSoakFloor, type SoakFloorReport, soakFloorFigures } from '../../src/baselines/soak-floor.ts';

const figures = (writeP99Ms: number, getP99Ms: number, eventLoopP99Ms: number | null) => ({
  writeP99Ms,
  getP99Ms,
  eventLoopP99Ms,
  resultPath: '',
});

describe('the soak floor', () => {
  it('runs the same soak against omendb and the floor server, figures from each result', async () => {
    const seed = 5;
    console.log(`soak floor seed ${seed}`);
    const outDir = await mkdtemp(join(tmpdir(), 'omendb-soak-floor-'));
    try {
      const report = await runSoakFloor({
        scenario: soak,
        omendb: selectAdapter('http-arrow', process.env),
        omendbDescription: 'spawned',
        seed,
        rounds: 1,
        params: { duration: '2s', rate: '100', batchPoints: '100', warmupMs: '500', intervalMs: '500' },
        outDir,
        log: () => undefined,
      });
      const [round] = report.rounds;
      for (const f of [round!.omendb, round!.floor]) {
        expect(f.writeP99Ms).toBeGreaterThan(0);
        expect(f.getP99Ms).toBeGreaterThan(0);
        // Both servers export the event-loop figure the probe reads.
        expect(f.eventLoopP99Ms).toBeGreaterThan(0);
      }
      expect(round!.omendb.resultPath).toContain('round-1-omendb');
      expect(round!.floor.resultPath).toContain('round-1-floor');
      expect(report.median.omendb.getP99Ms).toBe(round!.omendb.getP99Ms);
      expect(formatSoakFloorReport(report)).toContain('vs floor');
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('refuses a round count out of bounds before starting anything', async () => {
    const options = {
      omendbDescription: 'model',
      scenario: soak,
      omendb: selectAdapter('model', {}),
      seed: 1,
      params: {},
      outDir: '/nonexistent',
      log: () => undefined,
    };
    await expect(runSoakFloor({ ...options, rounds: 0 })).rejects.toThrow(RangeError);
    await expect(runSoakFloor({ ...options, rounds: 21 })).rejects.toThrow(RangeError);
  });

  it('takes its figures from a result after the warm-up, and refuses a result without them', () => {
    const metrics = {
      latencyMsByKindAfterWarmup: { write: { p99: 12 }, get: { p99: 3 } },
      eventLoopDelayP99MsMedian: 2.5,
    };
    expect(soakFloorFigures(metrics, 'r.json')).toEqual({ ...figures(12, 3, 2.5), resultPath: 'r.json' });
    expect(() => soakFloorFigures({ latencyMsByKindAfterWarmup: { write: { p99: 12 } } }, 'r.json')).toThrow(
      /no get p99/,
    );
  });

  it('says when a target is below the floor, and only then', () => {
    const report = (floorGetMs: number): SoakFloorReport => {
      const round = { omendb: figures(40, 12, 5), floor: figures(9, floorGetMs, 2) };
      return { seed: 1, omendbDescription: 'spawned', rounds: [round], median: round };
    };
    const below = formatSoakFloorReport(report(9));
    expect(below).toMatch(/point GET p99 <= 5 ms: 12\.0 ms MISSED; the floor server itself reads 9\.0 ms/);
    expect(below).toMatch(/write p99 <= 50 ms: 40\.0 ms met$/m);
    expect(formatSoakFloorReport(report(4))).toMatch(/point GET p99 <= 5 ms: 12\.0 ms MISSED$/m);
    expect(below).toContain('1.33x');
    expect(below).toContain('omendb: spawned; floor:');
  });
});
