import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { validateReadiness } from '../../src/readiness/build-report.ts';
import { writeRunDir } from '../readiness/readiness-fixtures.ts';

/** Runs the CLI in process, capturing what it writes. */
async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    {},
    {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      cwd,
    },
  );
  return { code, stdout, stderr };
}

// A policy without static facts (the real ones spawn servers): the command's own work only.
const policy = {
  schemaVersion: 1,
  categories: [
    {
      id: 'durability',
      name: 'Durability',
      required: 100,
      checks: [
        {
          id: 'power-loss',
          name: 'Power loss',
          description: 'status',
          weight: 1,
          evidence: { kind: 'scenario-status', scenario: 'crash-power-loss' },
          score: { type: 'pass' },
        },
      ],
    },
    {
      id: 'stability',
      name: 'Stability',
      required: 70,
      checks: [
        {
          id: 'soak-duration',
          name: 'Soak duration',
          description: 'of a day',
          weight: 1,
          evidence: { kind: 'scenario-metric', scenario: 'soak', path: 'durationRunMs' },
          score: { type: 'proportion', of: 86_400_000 },
        },
      ],
    },
  ],
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-report-cli-'));
  await writeRunDir(join(root, 'run'));
  await writeRunDir(join(root, 'shard'), { omit: ['crash-power-loss:embedded'] });
  await writeFile(join(root, 'policy.json'), JSON.stringify(policy));
  await writeFile(
    join(root, 'run', 'embedded', 'fake.json'),
    JSON.stringify({ scenario: 'x', schemaVersion: 1, checks: [] }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('omendb-harness report', () => {
  it('writes readiness.json, .md and .html, prints the table and the HTML path, exits 0 when failing', async () => {
    const out = join(root, 'out');
    const { code, stdout, stderr } = await cli(
      ['report', '--in', 'run', '--in', 'shard', '--policy', 'policy.json', '--out', 'out'],
      root,
    );
    expect(stderr).toMatch(/warning: .*fake\.json looks like a scenario result but is not one/);
    expect(code).toBe(0);
    expect(stdout).toContain('15 scenario results, 2 test result files, 4 coverage maps from 2 directories');
    expect(stdout).toMatch(/Durability\s+-\s+100\.0\s+100\.0\s+PASS/);
    expect(stdout).toMatch(/Stability\s+-\s+0\.1\s+70\.0\s+FAIL/);
    expect(stdout).toContain(`HTML report: ${join(out, 'readiness.html')}`);
    const report = validateReadiness(JSON.parse(await readFile(join(out, 'readiness.json'), 'utf8')));
    expect(report.pass).toBe(false);
    expect(report.inputs).toEqual(['../run', '../shard']);
    expect(report.policy).toBe(join(root, 'policy.json'));
    expect(await readFile(join(out, 'readiness.md'), 'utf8')).toContain(
      '| Stability | - | 0.1 | 70.0 | FAIL |',
    );
    expect((await stat(join(out, 'readiness.html'))).size).toBeGreaterThan(0);
    // Merged e2e maps of two run directories.
    expect((await stat(join(out, 'coverage-e2e-merged.json'))).isFile()).toBe(true);
  });

  it('takes a baseline', async () => {
    await cli(['report', '--in', 'run', '--policy', 'policy.json', '--out', 'base'], root);
    const { code } = await cli(
      [
        'report',
        '--in',
        'shard',
        '--policy',
        'policy.json',
        '--out',
        'next',
        '--baseline',
        'base/readiness.json',
      ],
      root,
    );
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(join(root, 'next', 'readiness.json'), 'utf8'));
    expect(report.categories[0]).toMatchObject({ previous: 100, score: 0, regression: 100 });
  });

  it.each([
    [['report'], /at least one --in/],
    [['report', '--in', 'nope'], /--in nope is not a directory/],
    [['report', '--in', 'run', 'extra'], /no positional arguments/],
    [['report', '--in', 'run', '--baseline', 'nope.json'], /--baseline nope.json is not a file/],
    [['report', '--in', 'run', '--policy', 'nope.json', '--out', 'x'], /readiness policy .* is invalid/],
    [['report', '--bogus'], /bogus/],
  ])('%j is a usage error (64)', async (args, message) => {
    const { code, stderr } = await cli(args, root);
    expect(code).toBe(64);
    expect(stderr).toMatch(message);
  });

  it('prints its help', async () => {
    const { code, stdout } = await cli(['report', '--help'], root);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: omendb-harness report --in DIR/);
  });
});
