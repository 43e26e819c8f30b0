import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import type { Check, Scenario, ScenarioOutcome } from '../../src/runner/scenario.ts';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'omendb-cli-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const pass: Check = { name: 'fine', pass: true, value: 1, threshold: '== 1' };

function scenario(
  name: string,
  run: () => Promise<ScenarioOutcome>,
  extra: Partial<Scenario> = {},
): Scenario {
  return {
    name,
    category: 'meta',
    description: `the ${name} scenario`,
    requires: [],
    params: {},
    run,
    ...extra,
  };
}

const registry: Scenario[] = [
  scenario('passes', async () => ({ metrics: {}, checks: [pass] }), {
    params: {
      size: { description: 'how many', defaults: { ci: 1, nightly: 2, release: 3 }, min: 1, max: 9 },
      mode: { description: 'a mode', defaults: { ci: 'a', nightly: 'a', release: 'b' } },
    },
  }),
  scenario('timed', async () => ({ metrics: {}, checks: [pass] }), {
    params: {
      duration: {
        description: 'how long',
        defaults: { ci: '60s', nightly: '30m', release: '24h' },
        format: 'duration',
      },
    },
  }),
  scenario('fails', async () => ({
    metrics: {},
    checks: [{ ...pass, name: 'broken', pass: false, value: 0 }],
  })),
  scenario('crashes', async () => {
    throw new Error('boom');
  }),
  scenario('skips', async () => ({ metrics: {}, checks: [pass] }), { requires: ['killable'] }),
  scenario('invalid', async () => ({ metrics: {}, checks: [{ ...pass, name: '' }] })),
];

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}, io: Partial<CliIo> = {}): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await main(argv, env, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    scenarios: registry,
    cwd,
    ...io,
  });
  return { code, out, err };
}

describe('omendb-harness', () => {
  it('prints help for the command and each subcommand', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['run', '--help'], ['list', '-h']]) {
      const { code, out } = await cli(argv);
      expect(code).toBe(0);
      expect(out).toMatch(/Usage/);
    }
  });

  it('exits 64 for no command, an unknown one, and unknown options', async () => {
    expect((await cli([])).code).toBe(64);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(64);
    expect(unknown.err).toMatch(/unknown command frobnicate/);
    expect((await cli(['list', '--bogus'])).code).toBe(64);
    expect((await cli(['run', 'passes', '--engine'])).code).toBe(64);
  });

  it('lists every scenario with its category, capabilities and per-profile parameters', async () => {
    const { code, out } = await cli(['list']);
    expect(code).toBe(0);
    for (const s of registry) expect(out).toContain(`${s.name} (meta)`);
    expect(out).toMatch(/requires: killable/);
    expect(out).toMatch(/size: how many \[1 \.\. 9\]\n\s+ci=1 nightly=2 release=3/);
    expect(out).toMatch(/mode: a mode\n\s+ci=a nightly=a release=b/);
    expect(out).toMatch(/params: none/);
    const json = JSON.parse((await cli(['list', '--json'])).out) as { name: string; params: object }[];
    expect(json.map((s) => s.name)).toEqual(registry.map((s) => s.name));
    expect(json[0]?.params).toMatchObject({
      size: { defaults: { ci: 1, nightly: 2, release: 3 }, min: 1, max: 9 },
    });
  });

  it('runs a passing scenario: the seed first, then its summary and checks; exit 0', async () => {
    const { code, out } = await cli([
      'run',
      'passes',
      '--engine',
      'model',
      '--seed',
      '123',
      '--out',
      'results',
    ]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      'seed 123 (replay: omendb-harness run passes --engine model --profile ci --seed 123)',
    );
    expect(out).toMatch(/passes: PASSED in .* s on model 1 \(model\)/);
    expect(out).toMatch(/pass fine = 1 \(threshold == 1\)/);
    const result = JSON.parse(await readFile(join(cwd, 'results', 'passes.json'), 'utf8'));
    expect(result).toMatchObject({
      status: 'passed',
      seed: 123,
      profile: 'ci',
      params: { size: 1, mode: 'a' },
    });
  });

  it('passes --param and --profile on, and takes the seed from OMENDB_SEED', async () => {
    const { code, out } = await cli(
      [
        'run',
        'passes',
        'skips',
        '--engine',
        'model',
        '--profile',
        'nightly',
        '--param',
        'size=9',
        '--param',
        'mode=z',
      ],
      { OMENDB_SEED: '77' },
    );
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^seed 77 \(replay: .*--param size=9 --param mode=z\)$/);
    expect(out).toMatch(/skips: SKIPPED .*\n {2}skipped: the adapter does not declare killable/);
    const result = JSON.parse(await readFile(join(cwd, 'reports', 'harness', 'passes.json'), 'utf8'));
    expect(result).toMatchObject({ profile: 'nightly', params: { size: 9, mode: 'z' }, seed: 77 });
  });

  it('takes --duration as --param duration, checked as a duration before anything runs', async () => {
    const { code, out } = await cli([
      'run',
      'timed',
      '--engine',
      'model',
      '--duration',
      '90s',
      '--seed',
      '3',
    ]);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/--param duration=90s\)$/);
    const result = JSON.parse(await readFile(join(cwd, 'reports', 'harness', 'timed.json'), 'utf8'));
    expect(result.params).toEqual({ duration: '90s' });
    for (const argv of [
      ['run', 'timed', '--duration', '90'],
      ['run', 'timed', '--duration', 'soon'],
      ['run', 'timed', '--param', 'duration=8d'],
      ['run', 'passes', '--duration', '60s'],
    ]) {
      const bad = await cli([...argv, '--engine', 'model']);
      expect(bad.code, argv.join(' ')).toBe(64);
      expect(bad.out).toBe('');
    }
  });

  it('picks a fresh seed when none is given', async () => {
    const { out } = await cli(['run', 'passes', '--engine', 'model']);
    expect(out).toMatch(/^seed \d+ /);
  });

  it('exits 1 when a check fails and 2 when a scenario crashes, whatever the order', async () => {
    const failed = await cli(['run', 'fails', 'passes', '--engine', 'model', '--seed', '1']);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/fails: FAILED.*\n {2}FAIL broken = 0/);
    const crashed = await cli(['run', 'crashes', 'fails', '--engine', 'model', '--seed', '1']);
    expect(crashed.code).toBe(2);
    expect(crashed.out).toMatch(/crashes: CRASHED.*\n {2}error: UNCLASSIFIED: boom/);
    const invalid = await cli(['run', 'invalid', '--engine', 'model', '--seed', '1']);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/invalid: CRASHED, no result written: OMENDB_ERR_HARNESS_RESULT_INVALID/);
  });

  it('exits 64 before running anything for bad names, engines, profiles, seeds and params', async () => {
    const bad = [
      ['run'],
      ['run', 'nope'],
      ['run', ...Array.from({ length: 33 }, () => 'passes')],
      ['run', 'passes', '--engine', 'oracle'],
      ['run', 'passes', '--profile', 'weekly'],
      ['run', 'passes', '--seed', 'abc'],
      ['run', 'passes', '--seed', '4294967296'],
      ['run', 'passes', '--seed', '-1'],
      ['run', 'passes', '--param', 'size'],
      ['run', 'passes', '--param', 'colour=red'],
      ['run', 'passes', '--param', 'size=10'],
      ['run', 'passes', ...Array.from({ length: 65 }, () => ['--param', 'size=1']).flat()],
    ];
    for (const argv of bad) {
      const { code, out, err } = await cli(argv.includes('--engine') ? argv : [...argv, '--engine', 'model']);
      expect(code, argv.join(' ')).toBe(64);
      expect(out).toBe('');
      expect(err).toMatch(/^omendb-harness: /);
    }
  });

  it('exits 2 when the harness itself fails', async () => {
    const broken = {
      write: () => {
        throw new Error('stdout closed');
      },
    };
    const { code, err } = await cli(['run', 'passes', '--engine', 'model'], {}, { stdout: broken });
    expect(code).toBe(2);
    expect(err).toMatch(/omendb-harness crashed: .*stdout closed/);
  });
});
