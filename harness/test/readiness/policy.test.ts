import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyPath, loadPolicy, validatePolicy } from '../../src/readiness/policy.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-policy-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const check = (extra: Record<string, unknown> = {}) => ({
  id: 'a-check',
  name: 'A check',
  description: 'why',
  weight: 1,
  evidence: { kind: 'scenario-status', scenario: 'scale' },
  score: { type: 'pass' },
  ...extra,
});
const policy = (checks: unknown[], category: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  categories: [{ id: 'cat', name: 'Cat', required: 50, checks, ...category }],
});

describe('the readiness policy', () => {
  it('the repository policy loads: twelve categories, Deployment informational', async () => {
    const loaded = await loadPolicy(defaultPolicyPath);
    expect(loaded.categories.map((c) => c.name)).toEqual([
      'Core Algorithm',
      'Unit Tests',
      'Integration Tests',
      'Performance Tests',
      'Error Handling',
      'Documentation',
      'Monitoring',
      'Security',
      'Scale Validation',
      'Stability',
      'Durability',
      'Deployment',
    ]);
    expect(loaded.categories.filter((c) => c.informational).map((c) => c.id)).toEqual(['deployment']);
    expect(loaded.categories.every((c) => c.checks.every((k) => k.description.length > 0))).toBe(true);
  });

  it('accepts a minimal policy, with a metric-equals check', () => {
    const ok = policy([
      check(),
      check({
        id: 'eq',
        evidence: { kind: 'scenario-metric-equals', scenario: 'scale', path: 'a', equalsPath: 'b' },
      }),
    ]);
    expect(validatePolicy('p', ok).categories[0]?.checks).toHaveLength(2);
  });

  it.each([
    ['a check without description', policy([{ ...check(), description: undefined }])],
    ['an unknown evidence kind', policy([check({ evidence: { kind: 'bench', file: 'x' } })])],
    ['a negative weight', policy([check({ weight: -1 })])],
    ['a required score above 100', policy([check()], { required: 101 })],
    ['an id that is not kebab-case', policy([check({ id: 'Not Kebab' })])],
    ['two checks with one id', policy([check(), check()])],
    ['an informational category without why', policy([check()], { informational: true })],
    [
      'the pass rule on a metric',
      policy([check({ evidence: { kind: 'scenario-metric', scenario: 's', path: 'p' } })]),
    ],
    ['a linear rule on a status', policy([check({ score: { type: 'linear', zeroAt: 0, fullAt: 1 } })])],
    [
      'a linear rule with zeroAt == fullAt',
      policy([check({ evidence: { kind: 'tests' }, score: { type: 'linear', zeroAt: 1, fullAt: 1 } })]),
    ],
    [
      'two categories with one id',
      {
        schemaVersion: 1,
        categories: [policy([check()]).categories[0], policy([check({ id: 'b' })]).categories[0]],
      },
    ],
  ])('refuses %s', (_what, bad) => {
    expect(() => validatePolicy('p', bad)).toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_USAGE' }),
    );
  });

  it('refuses a file that cannot be read or is not JSON', async () => {
    await expect(loadPolicy(join(root, 'missing.json'))).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_USAGE',
    });
    const notJson = join(root, 'not.json');
    await writeFile(notJson, '{');
    await expect(loadPolicy(notJson)).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_USAGE' });
  });
});
