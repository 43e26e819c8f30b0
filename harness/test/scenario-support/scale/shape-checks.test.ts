import { describe, expect, it } from 'vitest';
import type { ShapeReport } from '../../../src/scenario-support/scale/run-shape.ts';
import { rssCrossCheckShareMax, shapeChecks } from '../../../src/scenario-support/scale/shape-checks.ts';

const passing: ShapeReport = {
  shape: 'one',
  series: 1,
  points: 100,
  batches: 1,
  writers: 1,
  ingestSeconds: 1,
  ingestPointsPerSec: 100,
  ingestIntervals: {
    intervalMs: 1000,
    intervals: 1,
    minPointsPerSec: 100,
    medianPointsPerSec: 100,
    maxPointsPerSec: 100,
  },
  pointsWrittenMetric: null,
  lookups: {
    present: { checked: 5, mismatches: 0, examples: [] },
    absent: { checked: 5, mismatches: 0, examples: [] },
  },
  ranges: { checked: 5, mismatches: 0, examples: [], pointsRead: 50 },
  aggregates: { skipped: 'the adapter does not declare aggregates' },
  recoverySeconds: 0.1,
  restartKind: 'clean',
  engineRecovery: null,
  verifySeconds: 0.1,
  verifiedPoints: 100,
  verifyPages: 1,
  unfinishedSeries: 0,
  seriesListed: 1,
  acknowledgedChecksum: '00000000000000aa',
  verifiedChecksum: '00000000000000aa',
  verified: true,
  resources: {
    where: 'in-process',
    includesHarness: true,
    peakRssReset: true,
    baselineRssBytes: 1,
    baselineHeapBytes: 1,
    phases: {
      ingest: { samples: 2, peakRssBytes: 1, sampledRssMaxBytes: 1, peakHeapBytes: 1, openFdsMax: 1 },
      queries: { samples: 2, peakRssBytes: 1, sampledRssMaxBytes: 1, peakHeapBytes: 1, openFdsMax: 1 },
      restart: { samples: 2, peakRssBytes: 1, sampledRssMaxBytes: 1, peakHeapBytes: 1, openFdsMax: 1 },
      verify: { samples: 2, peakRssBytes: 1, sampledRssMaxBytes: 1, peakHeapBytes: 1, openFdsMax: 1 },
    },
  },
  peakRssBytes: 1,
  peakHeapBytes: 1,
  openFdsMax: 1,
  rssCrossCheck: { afterIngest: null, atEnd: null },
  walBytes: null,
  dataBytes: null,
  diskFiles: null,
  bytesPerPoint: null,
};

const verdicts = (report: ShapeReport) =>
  Object.fromEntries(shapeChecks(report).map((c) => [c.name, c.pass]));

describe('the checks of a scale shape', () => {
  it('pass on a clean report, with no aggregate, counter or RSS check where nothing was measured', () => {
    expect(verdicts(passing)).toEqual({
      'one: points read back': true,
      'one: checksum read back': true,
      'one: series listed': true,
      'one: present-key lookup mismatches': true,
      'one: absent-key lookup mismatches': true,
      'one: range scan mismatches': true,
    });
  });

  it('fail on each kind of wrong answer', () => {
    const failing = verdicts({
      ...passing,
      verifiedPoints: 99,
      verified: false,
      verifiedChecksum: '00000000000000ab',
      seriesListed: 2,
      lookups: {
        present: { checked: 5, mismatches: 1, examples: ['x'] },
        absent: { checked: 5, mismatches: 5, examples: ['y'] },
      },
      ranges: { checked: 5, mismatches: 2, examples: [], pointsRead: 50 },
      aggregates: { checked: 5, mismatches: 3, examples: [], buckets: 9 },
      pointsWrittenMetric: { before: 0, after: 90, growth: 90 },
    });
    expect(Object.values(failing).every((pass) => pass === false)).toBe(true);
    expect(Object.keys(failing)).toContain('one: aggregate mismatches');
    expect(Object.keys(failing)).toContain("one: engine's points-written counter growth");
  });

  it('check the RSS metric against /proc when both were read, within the share', () => {
    const near = { procRssBytes: 100, metricRssBytes: 105, differenceBytes: 5, differenceShare: 0.05 };
    const far = { procRssBytes: 100, metricRssBytes: 150, differenceBytes: 50, differenceShare: 0.5 };
    const checks = shapeChecks({ ...passing, rssCrossCheck: { afterIngest: near, atEnd: far } });
    const cross = checks.filter((c) => c.name.includes('RSS metric'));
    expect(cross.map((c) => [c.pass, c.value, c.threshold])).toEqual([
      [true, 0.05, `<= ${rssCrossCheckShareMax}`],
      [false, 0.5, `<= ${rssCrossCheckShareMax}`],
    ]);
  });
});
