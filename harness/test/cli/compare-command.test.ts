import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { writeResult } from '../../src/runner/result.ts';
import { resultWith } from './compare-fixtures.ts';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'omendb-compare-'));
  await writeResult(
    join(cwd, 'a.json'),
    resultWith({ one: { ingestPointsPerSec: 300, peakRssBytes: 100, points: 5 } }),
  );
  await writeResult(
    join(cwd, 'b.json'),
    resultWith(
      { one: { ingestPointsPerSec: 100, peakRssBytes: 50, points: 5 } },
      { engine: { engine: 'sqlite', version: '3', adapter: 'sqlite' } },
    ),
  );
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function compare(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(
    ['compare', ...args],
    {},
    {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      cwd,
    },
  );
  return { code, out, err };
}

describe('omendb-harness compare', () => {
  it('prints both results and every shared metric, and exits 0', async () => {
    const { code, out } = await compare(['a.json', 'b.json']);
    expect(code).toBe(0);
    expect(out).toMatch(/^A: a\.json: scale on omendb 0\.1\.0 \(embedded\), profile ci, points 1000/m);
    expect(out).toMatch(/^B: b\.json: scale on sqlite 3 \(sqlite\)/m);
    expect(out).toMatch(/one\.ingestPointsPerSec\s+300\s+100\s+3\.000\s+3\.000 \(higher is better\)/);
    expect(out).toMatch(/one\.peakRssBytes\s+100\s+50\s+2\.000\s+0\.500 \(lower is better\)/);
    expect(out).not.toMatch(/different scenarios/);
  });

  it('exits 1 with --fail-below when a directed metric falls short, listing it', async () => {
    const failing = await compare(['a.json', 'b.json', '--fail-below', '0.8']);
    expect(failing.code).toBe(1);
    expect(failing.out).toMatch(/1 metric\(s\) with an advantage below 0\.8:\n {2}one\.peakRssBytes: 0\.500/);
    const passing = await compare(['a.json', 'b.json', '--fail-below', '0.5']);
    expect(passing.code).toBe(0);
    expect(passing.out).toMatch(/every directed metric has an advantage of at least 0\.5/);
    const filtered = await compare(['a.json', 'b.json', '--fail-below', '0.8', '--only', 'PerSec']);
    expect(filtered.code).toBe(0);
    expect(filtered.out).not.toMatch(/peakRssBytes/);
  });

  it('prints JSON with --json', async () => {
    const { code, out } = await compare(['a.json', 'b.json', '--json', '--fail-below', '0.8']);
    expect(code).toBe(1);
    const parsed = JSON.parse(out) as {
      a: { engine: { engine: string } };
      rows: unknown[];
      failing: { metric: string }[];
    };
    expect(parsed.a.engine.engine).toBe('omendb');
    expect(parsed.rows).toHaveLength(3);
    expect(parsed.failing.map((r) => r.metric)).toEqual(['one.peakRssBytes']);
  });

  it('says when nothing is shared or the scenarios differ', async () => {
    await writeResult(
      join(cwd, 'c.json'),
      resultWith({ other: 1 }, { scenario: 'soak', category: 'stability' }),
    );
    const { code, out } = await compare(['a.json', 'c.json']);
    expect(code).toBe(0);
    expect(out).toMatch(/note: different scenarios \(scale, soak\)/);
    expect(out).toMatch(/no numeric metric in both results/);
  });

  it('prints its usage with --help', async () => {
    const { code, out } = await compare(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: omendb-harness compare A\.json B\.json/);
  });

  it('exits 64 for bad usage: wrong arguments, unreadable or invalid files, bad options', async () => {
    await writeFile(join(cwd, 'not-json.json'), '{');
    await writeFile(join(cwd, 'not-result.json'), '{"scenario": "x"}');
    const cases: [string[], RegExp][] = [
      [['a.json'], /two result files, not 1/],
      [['a.json', 'missing.json'], /cannot read missing\.json/],
      [['a.json', 'not-json.json'], /not-json\.json is not JSON/],
      [['not-result.json', 'a.json'], /not-result\.json is not a scenario result/],
      [['a.json', 'b.json', '--fail-below', '0'], /--fail-below takes a positive number/],
      [['a.json', 'b.json', '--fail-below', 'x'], /--fail-below takes a positive number/],
      [['a.json', 'b.json', '--only', '('], /--only takes a regular expression/],
      [['a.json', 'b.json', '--bogus'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await compare(args);
      expect(code, args.join(' ')).toBe(64);
      expect(err, args.join(' ')).toMatch(message);
    }
  });
});
