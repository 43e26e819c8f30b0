import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OmenDbError } from '@omendb/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseShard } from '../../src/cli/run-command.ts';
import type { Scenario } from '../../src/runner/scenario.ts';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'omendb-run-cov-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const ran: string[] = [];
const registry: Scenario[] = ['s1', 's2', 's3', 's4', 's5'].map((name) => ({
  name,
  category: 'meta',
  description: name,
  requires: [],
  params: {},
  run: async () => {
    ran.push(name);
    return { metrics: {}, checks: [{ name: 'fine', pass: true, value: 1, threshold: '== 1' }] };
  },
}));

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}, real = false) {
  let out = '';
  let err = '';
  const code = await main(argv, env, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    ...(real ? {} : { scenarios: registry }),
    cwd,
  });
  return { code, out, err };
}

describe('run --shard i/n', () => {
  it('parses i/n and refuses anything else with the usage code', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1', '1/2/3', '-1/2', '1/1001'])
      expect(() => parseShard(bad)).toThrow(
        expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_USAGE' }) as unknown as OmenDbError,
      );
  });

  it('runs the scenarios whose index is i-1 modulo n, every shard exactly once overall', async () => {
    const names = ['s1', 's2', 's3', 's4', 's5'];
    const perShard: string[][] = [];
    for (const shard of ['1/2', '2/2']) {
      ran.length = 0;
      const { code, out } = await cli([
        'run',
        ...names,
        '--engine',
        'model',
        '--seed',
        '7',
        '--shard',
        shard,
        '--out',
        'o',
      ]);
      expect(code).toBe(0);
      perShard.push([...ran]);
      expect(out).toMatch(new RegExp(`replay: omendb-harness run ${ran.join(' ')} --engine`));
    }
    expect(perShard).toEqual([
      ['s1', 's3', 's5'],
      ['s2', 's4'],
    ]);
  });

  it('checks every name even outside its shard, and says so when the shard is empty', async () => {
    ran.length = 0;
    expect((await cli(['run', 's1', 'nope', '--shard', '1/2'])).code).toBe(64);
    expect((await cli(['run', 's1', '--shard', '3/2'])).code).toBe(64);
    const empty = await cli(['run', 's1', '--engine', 'model', '--shard', '2/2']);
    expect(empty.code).toBe(0);
    expect(empty.out).toMatch(/no scenario/);
    expect(ran).toEqual([]);
  });
});

describe('run --coverage', () => {
  it('runs the harness again under NODE_V8_COVERAGE and writes the e2e summary of engine/src', async () => {
    // The real command in a child (canary: fails on purpose, in well under a second).
    const { code, out } = await cli(
      ['run', 'canary', '--engine', 'embedded', '--coverage', '--out', 'o'],
      {},
      true,
    );
    expect(code).toBe(1);
    expect(out).toMatch(/canary: FAILED/);
    expect(out).toMatch(/coverage: \d+ of \d+ engine\/src files ran/);
    const summary = JSON.parse(
      await readFile(join(cwd, 'o', 'coverage', 'e2e', 'coverage-summary.json'), 'utf8'),
    ) as Record<string, { statements: { covered: number; total: number } }>;
    const files = Object.keys(summary).filter((f) => f !== 'total');
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(f).toMatch(/\/engine\/src\/.+\.ts$/);
    // The embedded engine ran in the child: its errors module at least.
    const errors = files.find((f) => f.endsWith('/engine/src/errors.ts'))!;
    expect(summary[errors]!.statements.covered).toBeGreaterThan(0);
  }, 60_000);

  it('in the marked child, runs the scenarios itself', async () => {
    ran.length = 0;
    const { code } = await cli(['run', 's2', '--engine', 'model', '--coverage', '--out', 'o'], {
      OMENDB_HARNESS_COVERAGE_CHILD: '1',
    });
    expect(code).toBe(0);
    expect(ran).toEqual(['s2']);
  });
});
