import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/readiness/charts.ts';
import type { Evidence, FoundResult } from '../../src/readiness/evidence.ts';
import { innermostAdapter, type MeasureContext, measure } from '../../src/readiness/measure.ts';
import { machineFacts } from '../../src/runner/machine.ts';
import type { ScenarioResult } from '../../src/runner/result.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-measure-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function found(extra: Partial<ScenarioResult>, baseDir = '/run'): FoundResult {
  const result: ScenarioResult = {
    schemaVersion: 1,
    scenario: 'scale',
    category: 'performance',
    description: 'd',
    status: 'passed',
    engine: { engine: 'omendb', version: '0.1.0', adapter: 'http' },
    gitCommit: null,
    params: {},
    seed: 1,
    profile: 'ci',
    machine: machineFacts(),
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:01.000Z',
    durationMs: 1,
    metrics: { one: { points: 0, growth: 0, label: 'x' } },
    checks: [],
    evidence: [],
    ...extra,
  };
  return { result, file: `${baseDir}/${result.scenario}.json`, baseDir };
}

function context(results: FoundResult[]): MeasureContext {
  const evidence: Evidence = {
    runDirs: [],
    results,
    rejected: [],
    tests: [{ file: '/t.json', files: [{ name: '/a/x.test.ts', passed: 1, failed: 0, skipped: 0 }] }],
    coverage: { unitFinal: [], e2eFinal: [] },
    bench: [],
  };
  return { evidence, coverage: [], facts: new Map(), factsFile: null };
}

describe('measure', () => {
  it('says why a skipped or crashed result has no figures', () => {
    const ctx = context([
      found({ status: 'skipped', skipReason: 'needs http' }),
      found({
        status: 'crashed',
        error: { code: 'E', message: 'boom' },
        engine: { engine: 'o', version: '1', adapter: 'x' },
      }),
    ]);
    const [skipped, crashed] = measure({ kind: 'scenario-check', scenario: 'scale', check: 'c' }, ctx);
    expect(skipped).toMatchObject({ missing: 'scale was skipped: needs http [http: run/scale.json]' });
    expect(crashed).toMatchObject({ missing: 'scale crashed: E boom [x: run/scale.json]' });
    const [status] = measure({ kind: 'scenario-status', scenario: 'scale', adapter: 'http' }, ctx);
    expect(status).toMatchObject({
      value: 'skipped',
      pass: false,
      detail: 'skipped: 0 of 0 checks pass; scale was skipped: needs http',
    });
  });

  it('a metric that is not a number, or a subject that never changed, is no evidence', () => {
    const ctx = context([found({})]);
    expect(measure({ kind: 'scenario-metric', scenario: 'scale', path: 'one.label' }, ctx)[0]).toMatchObject({
      missing: 'scale has no numeric metric one.label',
    });
    const equals = (equalsPath: string) =>
      measure({ kind: 'scenario-metric-equals', scenario: 'scale', path: 'one.growth', equalsPath }, ctx)[0];
    expect(equals('one.points')).toMatchObject({
      missing: 'one.points is 0: the metric was never exercised',
    });
    expect(equals('one.nothing')).toMatchObject({ missing: 'scale has no numeric metric one.nothing' });
    expect(
      measure({ kind: 'scenario-metric-equals', scenario: 'scale', path: 'x', equalsPath: 'y' }, ctx)[0],
    ).toMatchObject({
      missing: 'scale has no numeric metric x',
    });
  });

  it('tests matching no file, coverage with no items, an unregistered fact', () => {
    const ctx = context([]);
    expect(measure({ kind: 'tests', pathPattern: 'nowhere/' }, ctx)[0]).toMatchObject({
      missing: 'no test ran in tests matching nowhere/',
    });
    const counts = { covered: 0, total: 0 };
    const withCoverage: MeasureContext = {
      ...ctx,
      coverage: [
        {
          module: 'engine/src/fs',
          unit: { statements: counts, branches: counts, functions: counts, lines: counts },
          e2e: null,
          union: null,
        },
      ],
    };
    expect(
      measure(
        { kind: 'coverage', source: 'unit', module: 'engine/src/fs', metric: 'branches' },
        withCoverage,
      )[0],
    ).toMatchObject({ missing: 'no branches of engine/src/fs in the unit coverage' });
    expect(measure({ kind: 'static', fact: 'nope' }, ctx)[0]).toMatchObject({
      missing: "static fact 'nope' is not registered",
    });
  });
});

describe('innermostAdapter', () => {
  it('sees through wrappers, so a canary run is scored by the checks of the adapter it wraps', () => {
    expect(innermostAdapter('embedded')).toBe('embedded');
    expect(innermostAdapter('zero-for-absent(embedded)')).toBe('embedded');
    expect(innermostAdapter('grant-everything(stale-after-restart(http))')).toBe('http');
    const ctx = context([
      found({ engine: { engine: 'omendb', version: '1', adapter: 'zero-for-absent(http)' } }),
    ]);
    const [status] = measure({ kind: 'scenario-status', scenario: 'scale', adapter: 'http' }, ctx);
    expect(status).toMatchObject({ value: 'passed', pass: true });
    const [other] = measure({ kind: 'scenario-status', scenario: 'scale', adapter: 'embedded' }, ctx);
    expect(other).toMatchObject({ missing: 'no result of scale (embedded) in the run' });
  });
});

describe('buildCharts', () => {
  it('skips unreadable or malformed series files', async () => {
    await writeFile(join(root, 'ingest-bad.json'), '{');
    await writeFile(join(root, 'ingest-noseries.json'), '{"series":3}');
    await writeFile(
      join(root, 'ingest-noshape.json'),
      '{"series":[{"tSec":1,"pointsPerSec":2},{"tSec":"x"}]}',
    );
    await writeFile(join(root, 'intervals.jsonl'), 'not json\nat all\n');
    const charts = await buildCharts(
      context([
        found(
          {
            evidence: [
              'ingest-bad.json',
              'ingest-noseries.json',
              'ingest-noshape.json',
              'ingest-missing.json',
            ],
          },
          root,
        ),
        found({ scenario: 'soak', evidence: ['intervals.jsonl'] }, root),
        found({ scenario: 'corruption', metrics: { damages: 3 } }),
        found({ scenario: 'crash-kill', metrics: {} }),
      ]).evidence,
    );
    expect(charts).toEqual({
      soak: [],
      scale: [{ adapter: 'http', shape: 'unknown', points: [{ t: 1, pointsPerSec: 2 }] }],
      crashes: [],
    });
  });
});
