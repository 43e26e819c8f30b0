import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineFacts } from '../../src/runner/machine.ts';
import {
  resultSchemaPath,
  type ScenarioResult,
  validateResult,
  writeResult,
} from '../../src/runner/result.ts';

const valid: ScenarioResult = {
  schemaVersion: 1,
  scenario: 'demo',
  category: 'meta',
  description: 'a result',
  status: 'passed',
  engine: { engine: 'model', version: '1', adapter: 'model' },
  gitCommit: null,
  params: { n: 1, s: 'x', b: true },
  seed: 4294967295,
  profile: 'ci',
  machine: machineFacts(),
  startedAt: '2025-01-01T00:00:00.000Z',
  endedAt: '2025-01-01T00:00:01.000Z',
  durationMs: 1000,
  metrics: { big: 2n ** 63n - 1n, nested: { a: 1 } },
  checks: [{ name: 'ok', pass: true, value: 1, threshold: '== 1' }],
  evidence: ['demo/history.jsonl'],
};

function invalidCode(result: unknown): string | undefined {
  try {
    validateResult(result as ScenarioResult);
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('the result schema', () => {
  it('is a JSON Schema file in the package', async () => {
    const schema = JSON.parse(await readFile(resultSchemaPath, 'utf8')) as Record<string, unknown>;
    expect(schema.$schema).toMatch(/json-schema\.org/);
  });

  it('accepts a complete result, turning bigints into decimal strings', () => {
    const stored = validateResult(valid);
    expect(stored.metrics.big).toBe('9223372036854775807');
    expect(
      validateResult({ ...valid, status: 'skipped', skipReason: 'needs killable', checks: [] }).status,
    ).toBe('skipped');
    const crashed = { ...valid, status: 'crashed', checks: [], error: { code: 'X', message: 'y' } } as const;
    expect(validateResult(crashed).status).toBe('crashed');
    const failed = { ...valid, status: 'failed', checks: [{ ...valid.checks[0]!, pass: false }] } as const;
    expect(validateResult(failed).status).toBe('failed');
  });

  it('refuses results that would mislead, with OMENDB_ERR_HARNESS_RESULT_INVALID', () => {
    const code = 'OMENDB_ERR_HARNESS_RESULT_INVALID';
    const failing = [{ name: 'x', pass: false, value: null, threshold: '' }];
    expect(invalidCode({ ...valid, checks: failing })).toBe(code); // passed with a failing check
    expect(invalidCode({ ...valid, checks: [] })).toBe(code); // passed with no check
    expect(invalidCode({ ...valid, status: 'failed' })).toBe(code); // failed with no failing check
    expect(invalidCode({ ...valid, status: 'crashed' })).toBe(code); // crashed without its error
    expect(invalidCode({ ...valid, error: { code: 'X', message: '' } })).toBe(code); // error but not crashed
    expect(invalidCode({ ...valid, status: 'skipped' })).toBe(code); // skipped without a reason
    expect(invalidCode({ ...valid, skipReason: 'x' })).toBe(code);
    expect(invalidCode({ ...valid, evidence: ['/etc/passwd'] })).toBe(code);
    expect(invalidCode({ ...valid, evidence: ['../x'] })).toBe(code);
    expect(invalidCode({ ...valid, extra: 1 })).toBe(code);
    expect(invalidCode({ ...valid, seed: -1 })).toBe(code);
    expect(invalidCode({ ...valid, startedAt: 'yesterday' })).toBe(code);
    expect(invalidCode({ ...valid, gitCommit: 'HEAD' })).toBe(code);
    expect(invalidCode({ ...valid, checks: [{ name: '', pass: true, value: 1, threshold: '' }] })).toBe(code);
    expect(invalidCode({ ...valid, params: { x: null } })).toBe(code);
  });

  it('writes a valid result atomically, and nothing for an invalid one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omendb-result-'));
    try {
      const path = join(dir, 'demo.json');
      await writeResult(path, valid);
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ scenario: 'demo', status: 'passed' });
      await expect(writeResult(join(dir, 'bad.json'), { ...valid, checks: [] })).rejects.toMatchObject({
        code: 'OMENDB_ERR_HARNESS_RESULT_INVALID',
      });
      expect((await readdir(dir)).sort()).toEqual(['demo.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
