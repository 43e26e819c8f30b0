import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvidence, testOutcomes } from '../../src/readiness/evidence.ts';
import { writeRunDir } from './readiness-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-evidence-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('collectEvidence', () => {
  it('finds results, tests, coverage maps and benchmarks; refuses look-alike results; reads each file once', async () => {
    const dir = join(root, 'run');
    await writeRunDir(dir);
    await writeFile(
      join(dir, 'embedded', 'fake.json'),
      JSON.stringify({ scenario: 'x', schemaVersion: 1, checks: [] }),
    );
    await writeFile(join(dir, 'embedded', 'broken.json'), '{');
    await writeFile(join(dir, 'embedded', 'array.json'), '[1]');
    await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
    await writeFile(join(dir, 'node_modules', 'x', 'scale.json'), '{}');
    await symlink(join(dir, 'embedded'), join(dir, 'again'));
    const evidence = await collectEvidence([dir, join(dir, 'http')]);
    expect(evidence.results.map((r) => `${r.result.scenario}:${r.result.engine.adapter}`).sort()).toEqual([
      'corruption:embedded',
      'crash-kill:http',
      'crash-power-loss:embedded',
      'property-model:embedded',
      'scale:embedded',
      'scale:http',
      'security:http',
      'soak:embedded',
    ]);
    expect(evidence.rejected.map((r) => r.file)).toEqual([join(dir, 'embedded', 'fake.json')]);
    expect(evidence.rejected[0]?.reason).toMatch(/is invalid/);
    expect(evidence.tests).toHaveLength(1);
    expect(evidence.coverage.unitFinal).toEqual([join(dir, 'coverage', 'unit', 'coverage-final.json')]);
    expect(evidence.coverage.e2eFinal).toEqual([
      join(dir, 'embedded', 'coverage', 'e2e', 'coverage-final.json'),
    ]);
    expect(evidence.bench.map((b) => b.data)).toEqual([{ lookupsPerSec: 1 }]);
  });

  it('a missing --in directory is an error', async () => {
    await expect(collectEvidence([join(root, 'nope')])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('testOutcomes', () => {
  it('counts passed, failed and skipped per file; a file that did not load is one failure', () => {
    expect(
      testOutcomes([
        {
          name: 'C:\\ci\\a.test.ts',
          assertionResults: [{ status: 'passed' }, { status: 'skipped' }, { status: 'failed' }],
        },
        { name: '/b.test.ts', status: 'failed', assertionResults: [] },
        null,
      ]),
    ).toEqual([
      { name: 'C:/ci/a.test.ts', passed: 1, failed: 1, skipped: 1 },
      { name: '/b.test.ts', passed: 0, failed: 1, skipped: 0 },
      { name: '', passed: 0, failed: 0, skipped: 0 },
    ]);
  });
});
