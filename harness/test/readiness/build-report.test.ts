import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, validateReadiness } from '../../src/readiness/build-report.ts';
import { defaultPolicyPath } from '../../src/readiness/policy.ts';
import type { CategoryResult, CheckResult, ReadinessReport } from '../../src/readiness/types.ts';
import { fakeFacts, repoRootForTests, writeRunDir } from './readiness-fixtures.ts';

const policyPath = fileURLToPath(defaultPolicyPath);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-readiness-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function report(
  inDirs: string[],
  extra: { baselinePath?: string; facts?: Record<string, number> } = {},
): Promise<ReadinessReport> {
  const built = await buildReport({
    inDirs,
    outDir: join(root, 'out', String(Math.random()).slice(2)),
    policyPath,
    repoRoot: repoRootForTests,
    staticFacts: fakeFacts(extra.facts),
    gitCommit: null,
    now: new Date('2025-01-02T00:00:00.000Z'),
    ...(extra.baselinePath === undefined ? {} : { baselinePath: extra.baselinePath }),
  });
  return built.report;
}

function category(r: ReadinessReport, id: string): CategoryResult {
  const found = r.categories.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no category ${id}`);
  return found;
}

function checkOf(r: ReadinessReport, id: string): CheckResult {
  const found = r.categories.flatMap((c) => c.checks).find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
}

describe('buildReport on a full-evidence run', () => {
  let full: ReadinessReport;
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'full');
    await writeRunDir(dir);
    full = await report([dir]);
  });

  it('scores every category from the evidence', () => {
    const scores = Object.fromEntries(full.categories.map((c) => [c.id, c.score]));
    expect(scores).toEqual({
      'core-algorithm': 100,
      // 99 of 100 tests passed (a file that failed to load counts as one): 90 of the 6-weight check.
      'unit-tests': 95,
      // e2e statements 2 of 4 = 50 % on a 0..70 scale: 71.43 for four 1-weight checks of 11.
      'integration-tests': 89.6,
      // Every figure halfway along its linear rule.
      'performance-tests': 50,
      'error-handling': 100,
      documentation: 100,
      monitoring: 100,
      security: 100,
      // 1M of 10M points: 10 on the 2-weight check of 8.
      'scale-validation': 77.5,
      // 60 s of 86,400 on the 3-weight check of 11.
      stability: 0.1,
      durability: 100,
      // backup-command-exists is not among the fixture's facts (no evidence, weight 1); the backup
      // tests passed (weight 2).
      deployment: 66.7,
    });
    expect(category(full, 'performance-tests').status).toBe('fail');
    expect(category(full, 'deployment').status).toBe('informational');
    expect(category(full, 'deployment').why).toMatch(/Packaging/);
    expect(full.pass).toBe(false);
  });

  it('has evidence for every check but the unregistered fact', () => {
    const missing = full.categories.flatMap((c) => c.checks).filter((c) => c.noEvidence);
    expect(missing.map((c) => c.id)).toEqual(['backup-command-exists']);
    expect(missing[0]?.detail).toBe("no evidence: static fact 'backup-command-exists' is not registered");
  });

  it('a 60 s soak earns 60/86,400 of the duration check', () => {
    const duration = checkOf(full, 'soak-duration');
    expect(duration.value).toBe(60_000);
    expect(duration.score).toBeCloseTo((60 / 86_400) * 100, 4);
    expect(duration.threshold).toBe('value / 86400000 x 100');
  });

  it('links evidence relative to the output directory, and measures coverage from the maps', () => {
    const unit = checkOf(full, 'unit-statements-storage');
    expect(unit.value).toBe(100);
    expect(unit.evidence).toEqual([expect.stringMatching(/coverage\/unit\/coverage-final\.json$/)]);
    expect(checkOf(full, 'e2e-statements-server').value).toBe(50);
    expect(checkOf(full, 'union-statements-server').value).toBe(100);
    expect(checkOf(full, 'soak-duration').evidence.some((e) => e.endsWith('soak/intervals.jsonl'))).toBe(
      true,
    );
    expect(checkOf(full, 'errors-documented-and-tested').evidence).toEqual(['static-facts.json']);
    const storage = full.coverage.find((m) => m.module === 'engine/src/storage');
    expect(storage?.e2e?.statements).toEqual({ covered: 2, total: 4 });
  });

  it('draws the charts from the interval file, the ingest series and the crash counts', () => {
    expect(full.charts.soak).toEqual([
      {
        adapter: 'embedded',
        points: [
          { t: 30, rssMb: 100, heapMb: null, p99Ms: 3 },
          { t: 60, rssMb: 101, heapMb: 20, p99Ms: 4 },
        ],
      },
    ]);
    expect(full.charts.scale.map((s) => `${s.adapter}/${s.shape}/${s.points.length}`).sort()).toEqual([
      'embedded/one/2',
      'http/one/2',
    ]);
    expect(full.charts.crashes).toEqual([
      { label: 'crash-kill (http): kills', count: 25 },
      { label: 'crash-power-loss (embedded): power losses', count: 5000 },
      { label: 'corruption (embedded): damages applied', count: 200 },
    ]);
  });

  it('a failing check takes its category below the required score', async () => {
    const failing = join(root, 'failing');
    await writeRunDir(failing, { failing: ['crash-power-loss:violations', 'soak:leak-heap'] });
    const r = await report([failing]);
    expect(checkOf(r, 'power-loss-violations').score).toBe(100); // value 0 still equals 0
    expect(checkOf(r, 'power-loss-status').score).toBe(0);
    expect(category(r, 'durability').status).toBe('fail');
    // Credit is the duration proven, whatever the verdicts; a failing verdict fails the
    // category through its own required score.
    expect(category(r, 'stability').score).toBe(0.1);
    expect(checkOf(r, 'soak-leak-heap')).toMatchObject({ score: 0, required: 100 });
    expect(category(r, 'stability').status).toBe('fail');
  });
});

describe('buildReport without some evidence', () => {
  it('a removed result makes its checks no evidence and 0', async () => {
    const dir = join(root, 'no-security');
    await writeRunDir(dir);
    await unlink(join(dir, 'http', 'security.json'));
    const r = await report([dir]);
    const security = category(r, 'security');
    const fromScenario = security.checks.filter((c) => c.id !== 'password-hash-cost');
    expect(fromScenario.length).toBeGreaterThan(0);
    for (const check of fromScenario) {
      expect(check.noEvidence).toBe(true);
      expect(check.score).toBe(0);
      expect(check.value).toBeNull();
      expect(check.detail).toBe('no evidence: no result of security (http) in the run');
    }
    expect(security.status).toBe('fail');
    expect(checkOf(r, 'hostile-failed').noEvidence).toBe(true);
  });

  it('a run with no tests, coverage or facts says no evidence for each', async () => {
    const dir = join(root, 'bare');
    await writeRunDir(dir);
    await rm(join(dir, 'tests'), { recursive: true });
    await rm(join(dir, 'coverage'), { recursive: true });
    await rm(join(dir, 'embedded', 'coverage'), { recursive: true });
    const r = await report([dir]);
    expect(checkOf(r, 'rmi-tests').detail).toBe('no evidence: no test results (tests/*.json) in the run');
    expect(checkOf(r, 'unit-branches-index').detail).toBe(
      'no evidence: no unit coverage of engine/src/index in the run',
    );
    expect(r.coverage.every((m) => m.unit === null && m.e2e === null && m.union === null)).toBe(true);
    expect(category(r, 'integration-tests').score).toBe(0);
  });

  it('a fact that throws is no evidence, and says why', async () => {
    const dir = join(root, 'fact-throws');
    await writeRunDir(dir);
    const built = await buildReport({
      inDirs: [dir],
      outDir: join(root, 'out-throws'),
      policyPath,
      repoRoot: repoRootForTests,
      gitCommit: null,
      staticFacts: [
        {
          name: 'openapi-documented',
          description: 'throws',
          evaluate: () => Promise.reject(new Error('server did not start')),
        },
      ],
    });
    const check = built.report.categories.flatMap((c) => c.checks).find((c) => c.id === 'openapi-documented');
    expect(check?.detail).toBe(
      "no evidence: static fact 'openapi-documented' could not be evaluated: server did not start",
    );
    expect(check?.evidence).toEqual(['static-facts.json']);
    const written = JSON.parse(await readFile(join(root, 'out-throws', 'static-facts.json'), 'utf8'));
    expect(written['openapi-documented']).toEqual({ kind: 'error', message: 'server did not start' });
  });
});

describe('buildReport across run directories and against a baseline', () => {
  it('merges two --in directories (shards): every check finds its evidence', async () => {
    const a = join(root, 'shard-a');
    const b = join(root, 'shard-b');
    const all = ['scale', 'soak', 'security', 'crash-kill', 'crash-power-loss', 'corruption'];
    const embeddedOnly = all.flatMap((s) => [`${s}:http`]);
    await writeRunDir(a, { omit: embeddedOnly });
    await writeRunDir(b, { omit: all.map((s) => `${s}:embedded`) });
    const r = await report([a, b]);
    const single = await report([a]);
    expect(
      r.categories
        .flatMap((c) => c.checks)
        .filter((c) => c.noEvidence)
        .map((c) => c.id),
    ).toEqual(['backup-command-exists']);
    // Without shard b only the static fact (weight 2 of 10) has evidence.
    expect(category(single, 'security').score).toBe(20);
    expect(category(r, 'security').score).toBe(100);
    // Both shards' tests are summed: 198 of 200.
    expect(checkOf(r, 'tests-pass-share').detail).toMatch(/^198 of 200 tests passed in 10 files/);
    // The e2e maps of both shards merged: still 2 of 4 statements (the same statements hit twice).
    expect(checkOf(r, 'e2e-statements-storage').value).toBe(50);
    expect(r.inputs).toHaveLength(2);
  });

  it('the weakest of several matching results counts', async () => {
    const a = join(root, 'weak-a');
    const b = join(root, 'weak-b');
    await writeRunDir(a, { points: 10_000_000 });
    await writeRunDir(b, { points: 2_000_000 });
    const r = await report([a, b]);
    const points = checkOf(r, 'scale-points');
    expect(points.value).toBe(2_000_000);
    expect(points.score).toBe(20);
    expect(points.evidence.filter((e) => e.endsWith('scale.json'))).toHaveLength(4);
  });

  it('a baseline yields previous scores and flags regressions beyond tolerance', async () => {
    const good = join(root, 'baseline-good');
    const worse = join(root, 'baseline-worse');
    await writeRunDir(good);
    await writeRunDir(worse, { failing: ['crash-power-loss:violations'] });
    const baseline = await report([good]);
    const baselinePath = join(root, 'baseline.json');
    // A baseline where Core Algorithm was 0.5 higher: within the 1-point tolerance.
    const edited = {
      ...baseline,
      categories: baseline.categories.map((c) => (c.id === 'core-algorithm' ? { ...c, score: 99.5 } : c)),
    };
    await writeFile(baselinePath, JSON.stringify(edited));
    const r = await report([worse], { baselinePath });
    const durability = category(r, 'durability');
    expect(durability.previous).toBe(100);
    expect(durability.score).toBeLessThan(99);
    expect(durability.regression).toBe(Math.round((100 - durability.score) * 10) / 10);
    expect(category(r, 'core-algorithm').previous).toBe(99.5);
    expect(category(r, 'core-algorithm').regression).toBeUndefined();
    expect(r.baseline).toMatch(/baseline\.json$/);
  });

  it('a baseline that is not a readiness report is refused', async () => {
    const dir = join(root, 'bad-baseline');
    await writeRunDir(dir, { omit: ['scale:http'] });
    const path = join(root, 'not-a-report.json');
    await writeFile(path, JSON.stringify({ schemaVersion: 1 }));
    await expect(report([dir], { baselinePath: path })).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_REPORT_INVALID',
    });
    await expect(report([dir], { baselinePath: join(root, 'missing.json') })).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_USAGE',
    });
  });
});

describe('validateReadiness', () => {
  it('accepts a built report and rejects invalid ones', async () => {
    const dir = join(root, 'schema');
    await writeRunDir(dir);
    const r = await report([dir]);
    expect(validateReadiness(JSON.parse(JSON.stringify(r)))).toEqual(r);
    const broken = [
      { ...r, pass: 'yes' },
      { ...r, categories: [{ ...r.categories[0], score: 101 }] },
      { ...r, categories: [{ ...r.categories[0], status: 'ok' }] },
      { ...r, extra: 1 },
      { ...r, generatedAt: 'yesterday' },
      { ...r, categories: [{ ...r.categories[0], checks: [{ ...r.categories[0]?.checks[0], value: {} }] }] },
    ];
    for (const bad of broken)
      expect(() => validateReadiness(bad)).toThrow(
        expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_REPORT_INVALID' }),
      );
  });
});
