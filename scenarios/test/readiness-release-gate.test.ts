import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyShapeProblem } from '../../harness/src/cli/gate-command.ts';
import { buildReport } from '../../harness/src/readiness/build-report.ts';
import { type GatePolicy, type GateVerdict, judge } from '../../harness/src/readiness/gate.ts';
import { defaultPolicyPath } from '../../harness/src/readiness/policy.ts';
import type { ReadinessReport } from '../../harness/src/readiness/types.ts';
import { fakeFacts, repoRootForTests, writeRunDir } from '../../harness/test/readiness/readiness-fixtures.ts';

/**
 * The release gate (scenarios/readiness.release.gate.json) against the report of a ci-profile
 * run (the readiness tests' full-evidence fixture: a 60 s soak, 1M points per scale shape): it
 * fails exactly what the ci gate fails plus Stability and Scale Validation, and no more once those
 * two score in full.
 */

let root: string;
let ciReport: ReadinessReport;
let policy: GatePolicy;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-release-gate-'));
  await writeRunDir(join(root, 'run'));
  ({ report: ciReport } = await buildReport({
    inDirs: [join(root, 'run')],
    outDir: join(root, 'report'),
    policyPath: fileURLToPath(defaultPolicyPath),
    repoRoot: repoRootForTests,
    staticFacts: fakeFacts(),
    gitCommit: null,
  }));
  policy = JSON.parse(await readFile(new URL('../readiness.release.gate.json', import.meta.url), 'utf8'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function failingCategories(verdict: GateVerdict): Set<string> {
  return new Set(verdict.failures.map((failure) => failure.category));
}

describe('the release gate', () => {
  it('is a gate policy that fails a ci-profile run on Stability and Scale Validation, and only those more', () => {
    expect(policyShapeProblem(policy)).toBeNull();
    const ci = failingCategories(judge(ciReport));
    expect(ci.has('stability')).toBe(false);
    expect(ci.has('scale-validation')).toBe(false);
    const release = judge(ciReport, { policy });
    expect(release.pass).toBe(false);
    expect(failingCategories(release)).toEqual(new Set([...ci, 'stability', 'scale-validation']));
    expect(release.failures).toContainEqual(
      expect.objectContaining({ kind: 'below-required', category: 'stability', threshold: 100 }),
    );
    const proven = {
      ...ciReport,
      categories: ciReport.categories.map((c) =>
        c.id === 'stability' || c.id === 'scale-validation' ? { ...c, score: 100 } : c,
      ),
    };
    expect(failingCategories(judge(proven, { policy }))).toEqual(ci);
  });
});
