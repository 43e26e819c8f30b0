import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ModelAdapter, runScenario } from '@omendb/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canary } from '../canary.ts';

const bin = fileURLToPath(new URL('../../harness/bin/omendb-harness.js', import.meta.url));

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'omendb-canary-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('canary', () => {
  it('fails through runScenario, its failing check in the result file', async () => {
    const { result, path } = await runScenario(canary, {
      adapterFactory: () => new ModelAdapter(),
      outDir: out,
      seed: 1,
      output: { write: () => true },
    });
    expect(result.status).toBe('failed');
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.checks).toContainEqual(expect.objectContaining({ name: 'canary-must-fail', pass: false }));
    expect(stored.checks).toContainEqual(expect.objectContaining({ name: 'canary-read-back', pass: true }));
    expect(stored.evidence).toEqual(['canary/history.jsonl']);
  });

  it('makes the command exit 1, with the failing check in the JSON', async () => {
    const failure = await promisify(execFile)(
      process.execPath,
      [bin, 'run', 'canary', '--out', out, '--seed', '9'],
      {
        timeout: 60_000,
      },
    ).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout.split('\n')[0]).toMatch(/^seed 9 /);
    expect(failure?.stdout).toMatch(/FAIL canary-must-fail/);
    const stored = JSON.parse(await readFile(join(out, 'canary.json'), 'utf8'));
    expect(stored).toMatchObject({
      scenario: 'canary',
      status: 'failed',
      seed: 9,
      engine: { adapter: 'embedded' },
    });
    expect(stored.checks).toContainEqual({
      name: 'canary-must-fail',
      pass: false,
      value: false,
      threshold: expect.any(String),
    });
  });
});
