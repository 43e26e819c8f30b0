import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { gateChecksPerCategoryMax, gateFileBytesMax } from '../../src/limits.ts';
import type { ReadinessReport } from '../../src/readiness/types.ts';
import { category, check, missing, passingReport, report } from '../readiness/gate-fixtures.ts';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'omendb-gate-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function put(name: string, value: unknown): Promise<string> {
  await writeFile(join(cwd, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return name;
}

async function gate(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(
    ['gate', ...args],
    {},
    {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      cwd,
    },
  );
  return { code, out, err };
}

const belowRequired = () => passingReport([check('scale-verification', 100), check('rmi-tests', 40)]);
const noEvidence = () => passingReport([check('scale-verification', 100), missing('rmi-tests')]);

describe('omendb-harness gate', () => {
  it('passes a report whose gating categories meet their required scores, showing informational ones', async () => {
    await put('readiness.json', passingReport());
    const { code, out } = await gate(['--report', 'readiness.json']);
    expect(code).toBe(0);
    expect(out).toMatch(/Core Algorithm\s+95 \/\s+80 {2}pass/);
    expect(out).toMatch(/Deployment\s+0 \/\s+50 {2}informational/);
    expect(out).toMatch(/informational, not gating:\n {2}Deployment \(deployment\): packaging and backup/);
    expect(out).toMatch(/gate passed: every gating category meets its required score\n$/);
  });

  it('fails a category below its required score, listing it and its check with value and threshold', async () => {
    await put('readiness.json', belowRequired());
    const { code, out } = await gate(['--report', 'readiness.json']);
    expect(code).toBe(1);
    expect(out).toMatch(/Core Algorithm\s+70 \/\s+80 {2}FAIL/);
    expect(out).toMatch(
      /gate FAILED: 2 failure\(s\):\n {2}Core Algorithm \(core-algorithm\): score 70 below required 80\n {4}check rmi-tests check \(rmi-tests\): score 40 below the category's 80: value 40, threshold the value itself, as a percentage; measured 40\n$/,
    );
  });

  it('fails when evidence is missing', async () => {
    await put('readiness.json', noEvidence());
    const { code, out } = await gate(['--report', 'readiness.json']);
    expect(code).toBe(1);
    expect(out).toMatch(/Core Algorithm \(core-algorithm\): score 50 below required 80/);
    expect(out).toMatch(
      /check rmi-tests check \(rmi-tests\): score 0 .*value no evidence, .*no evidence: no result/,
    );
  });

  it('fails a regression beyond --max-regression against --baseline and passes within it', async () => {
    await put('baseline.json', passingReport([check('scale-verification', 100), check('rmi-tests', 100)]));
    await put('readiness.json', passingReport());
    const beyond = await gate([
      '--report',
      'readiness.json',
      '--baseline',
      'baseline.json',
      '--max-regression',
      '4',
    ]);
    expect(beyond.code).toBe(1);
    expect(beyond.out).toMatch(
      /Core Algorithm \(core-algorithm\): score 95 dropped 5 points from 100 in the baseline, beyond the tolerance of 4/,
    );
    expect(beyond.out).toMatch(/check rmi-tests check \(rmi-tests\): score 90 fell from 100 in the baseline/);
    const within = await gate([
      '--report',
      'readiness.json',
      '--baseline',
      'baseline.json',
      '--max-regression',
      '5',
    ]);
    expect(within.code).toBe(0);
    expect(within.out).toMatch(/none dropped more than 5 points from the baseline\n$/);
    // No tolerance given: any drop fails.
    expect((await gate(['--report', 'readiness.json', '--baseline', 'baseline.json'])).code).toBe(1);
  });

  it('gates on --min and on a policy', async () => {
    await put('readiness.json', passingReport());
    expect((await gate(['--report', 'readiness.json', '--min', '92'])).code).toBe(1);
    const passing = await gate(['--report', 'readiness.json', '--min', '91.5']);
    expect(passing.code).toBe(0);
    expect(passing.out).toMatch(/and --min 91\.5\n$/);
    await put('policy.json', {
      schemaVersion: 1,
      categories: [
        {
          id: 'core-algorithm',
          name: 'Core Algorithm',
          required: 80,
          checks: [{ id: 'rmi-tests', required: 95 }],
        },
        { id: 'stability', name: 'Stability', required: 50, checks: [] },
      ],
    });
    const strict = await gate(['--report', 'readiness.json', '--policy', 'policy.json']);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/check rmi-tests check \(rmi-tests\): score 90 below the check's required 95/);
    expect(strict.out).toMatch(/Stability \(stability\): no evidence: the policy has category stability/);
    expect(strict.out).toMatch(/Stability\s+missing \/\s+50 {2}FAIL/);
  });

  it('writes JUnit XML that parses, whether the gate passes or fails', async () => {
    await put('readiness.json', noEvidence());
    const { code, out } = await gate(['--report', 'readiness.json', '--junit', 'ci/out/junit.xml']);
    expect(code).toBe(1);
    const path = join(cwd, 'ci/out/junit.xml');
    expect(out).toContain(`JUnit: ${path}\n`);
    const xml = await readFile(path, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { tests: string; failures: string; skipped: string; testsuite: unknown[] };
    };
    expect(parsed.testsuites).toMatchObject({ tests: '8', failures: '2', skipped: '2' });
    expect(parsed.testsuites.testsuite).toHaveLength(3);
  });

  it('prints its help', async () => {
    const { code, out } = await gate(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: omendb-harness gate --report readiness\.json/);
  });

  it.each([
    [[], /needs --report/],
    [['extra', '--report', 'r.json'], /no positional arguments/],
    [['--report', 'absent.json'], /cannot read report absent\.json/],
    [['--report', 'readiness.json', '--min', '101'], /--min takes a number from 0 to 100, not 101/],
    [['--report', 'readiness.json', '--min', ''], /--min takes a number/],
    [['--report', 'readiness.json', '--max-regression', '1'], /--max-regression needs --baseline/],
    [['--report', 'readiness.json', '--baseline', 'absent.json'], /cannot read baseline absent\.json/],
    [['--report', 'readiness.json', '--policy', 'absent.json'], /cannot read policy absent\.json/],
    [['--report', 'readiness.json', '--bogus'], /bogus/],
  ])('exits 64 for bad usage: %j', async (args, message) => {
    await put('readiness.json', passingReport());
    const { code, err } = await gate(args);
    expect(code).toBe(64);
    expect(err).toMatch(message);
  });

  const good = passingReport();
  const core = good.categories[0]!;
  const withCategory = (overrides: Record<string, unknown>) => ({
    ...good,
    categories: [{ ...core, ...overrides }],
  });
  const withCheck = (overrides: Record<string, unknown>) =>
    withCategory({ checks: [{ ...core.checks[0]!, ...overrides }] });
  it.each([
    ['not JSON', '{', /is not JSON/],
    ['not an object', [1], /it is not a JSON object/],
    ['another schema version', { ...good, schemaVersion: 2 }, /schemaVersion is 2, not 1/],
    ['no categories', { ...good, categories: 'x' }, /categories is not an array/],
    ['a category that is not an object', { ...good, categories: [null] }, /categories\[0\] is not an object/],
    ['a category without id', withCategory({ id: '' }), /categories\[0\]\.id/],
    ['a category without name', withCategory({ name: 1 }), /categories\[0\]\.name/],
    ['a required score out of range', withCategory({ required: 101 }), /categories\[0\]\.required/],
    ['a score that is not a number', withCategory({ score: '95' }), /categories\[0\]\.score/],
    ['no informational flag', withCategory({ informational: undefined }), /informational is not a boolean/],
    ['a why that is not text', withCategory({ why: 3 }), /why is not a string/],
    ['checks that are not a list', withCategory({ checks: {} }), /checks is not an array/],
    ['a check without id', withCheck({ id: 7 }), /checks\[0\]\.id/],
    ['a check without name', withCheck({ name: null }), /checks\[0\]\.name/],
    ['a check score that is NaN-like', withCheck({ score: null }), /checks\[0\]\.score/],
    ['a check without noEvidence', withCheck({ noEvidence: 'no' }), /noEvidence is not a boolean/],
    [
      'missing evidence that scores',
      withCheck({ noEvidence: true, score: 50 }),
      /has no evidence and scores 50, not 0/,
    ],
    ['a value that is an object', withCheck({ value: {} }), /value is not a number, string, boolean or null/],
    ['a threshold that is not text', withCheck({ threshold: 1 }), /threshold is not a string/],
    ['a detail that is not text', withCheck({ detail: undefined }), /detail is not a string/],
    ['a check required out of range', withCheck({ required: -1 }), /checks\[0\]\.required/],
    [
      'the same check twice',
      withCategory({ checks: [core.checks[0], core.checks[0]] }),
      /checks has the id scale-verification twice/,
    ],
    [
      'the same category twice',
      { ...good, categories: [core, core] },
      /categories has the id core-algorithm twice/,
    ],
  ])('exits 64 for a report with %s', async (_what, value, message) => {
    await put('bad.json', value);
    const { code, err } = await gate(['--report', 'bad.json']);
    expect(code).toBe(64);
    expect(err).toMatch(/is not (JSON|a readiness report)/);
    expect(err).toMatch(message);
  });

  it('exits 64 for a baseline that is not a report', async () => {
    await put('readiness.json', passingReport());
    await put('baseline.json', { schemaVersion: 1 });
    const { code, err } = await gate(['--report', 'readiness.json', '--baseline', 'baseline.json']);
    expect(code).toBe(64);
    expect(err).toMatch(/baseline baseline\.json is not a readiness report: categories is not an array/);
  });

  const policyCategory = { id: 'core-algorithm', name: 'Core Algorithm', required: 80, checks: [] };
  it.each([
    ['not an object', 'null', /it is not a JSON object/],
    ['another schema version', { schemaVersion: 3, categories: [] }, /schemaVersion is 3/],
    ['no categories', {}, /categories is not an array/],
    ['a category without id', { categories: [{ ...policyCategory, id: 1 }] }, /categories\[0\]\.id/],
    ['a category without name', { categories: [{ ...policyCategory, name: 1 }] }, /categories\[0\]\.name/],
    ['a required score out of range', { categories: [{ ...policyCategory, required: 200 }] }, /required/],
    [
      'a bad informational flag',
      { categories: [{ ...policyCategory, informational: 'yes' }] },
      /informational/,
    ],
    ['a why that is not text', { categories: [{ ...policyCategory, why: false }] }, /why is not a string/],
    [
      'checks that are not a list',
      { categories: [{ ...policyCategory, checks: 1 }] },
      /checks is not an array/,
    ],
    ['a check without id', { categories: [{ ...policyCategory, checks: [{}] }] }, /checks\[0\]\.id/],
    [
      'a check required out of range',
      { categories: [{ ...policyCategory, checks: [{ id: 'a', required: 'high' }] }] },
      /checks\[0\]\.required/,
    ],
    ['the same category twice', { categories: [policyCategory, policyCategory] }, /twice/],
  ])('exits 64 for a policy with %s', async (_what, value, message) => {
    await put('readiness.json', passingReport());
    await put('policy.json', value);
    const { code, err } = await gate(['--report', 'readiness.json', '--policy', 'policy.json']);
    expect(code).toBe(64);
    expect(err).toMatch(/policy policy\.json is not a readiness policy/);
    expect(err).toMatch(message);
  });

  it('refuses a file bigger than it reads, and a category with more checks than it judges', async () => {
    await writeFile(join(cwd, 'huge.json'), Buffer.alloc(gateFileBytesMax + 1, 0x20));
    const huge = await gate(['--report', 'huge.json']);
    expect(huge.code).toBe(64);
    expect(huge.err).toMatch(new RegExp(`more than ${gateFileBytesMax}`));
    const many: ReadinessReport = report([
      category(
        'c',
        0,
        Array.from({ length: gateChecksPerCategoryMax + 1 }, (_, i) => check(`c${i}`, 100)),
      ),
    ]);
    await put('many.json', many);
    const tooMany = await gate(['--report', 'many.json']);
    expect(tooMany.code).toBe(64);
    expect(tooMany.err).toContain(
      `checks has ${gateChecksPerCategoryMax + 1} entries, more than ${gateChecksPerCategoryMax}`,
    );
  });
});

describe('the omendb-harness gate command, as a process', () => {
  it('exits 1 on a failing report and 0 on a passing one', async () => {
    const bin = fileURLToPath(new URL('../../bin/omendb-harness.js', import.meta.url));
    await put('fail.json', belowRequired());
    await put('pass.json', passingReport());
    const run = promisify(execFile);
    const failing = await run(process.execPath, [bin, 'gate', '--report', 'fail.json'], { cwd }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(failing).toBe(1);
    const { stdout } = await run(process.execPath, [bin, 'gate', '--report', 'pass.json'], { cwd });
    expect(stdout).toMatch(/gate passed/);
  });
});
