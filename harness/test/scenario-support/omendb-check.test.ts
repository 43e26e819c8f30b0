import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/scenario-support/corruption-fixture.ts';
import { runOmendbCheck } from '../../src/scenario-support/omendb-check.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-check-test-'));
  const engine = await openEngine({ dir: join(root, 'data'), logger: silentLogger });
  await engine.write('s', [[1n, 1]]);
  await engine.close();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('omendb check as a process', () => {
  it('exits 0 on a clean directory and 1 with the problem codes on a damaged one', async () => {
    const clean = await runOmendbCheck(join(root, 'data'));
    expect(clean).toEqual({ exitCode: 0, reportOk: true, problemCodes: [] });
    await writeFile(join(root, 'data', 'MANIFEST'), 'not a manifest');
    const damaged = await runOmendbCheck(join(root, 'data'));
    expect(damaged.exitCode).toBe(1);
    expect(damaged.reportOk).toBe(false);
    expect(damaged.problemCodes).toContain('OMENDB_ERR_MANIFEST_CORRUPT');
  });

  it('has no report when the directory does not exist, and no exit code when its time runs out', async () => {
    const missing = await runOmendbCheck(join(root, 'missing'));
    expect(missing.exitCode).not.toBe(0);
    expect(missing.reportOk).toBeUndefined();
    const killed = await runOmendbCheck(join(root, 'data'), 1);
    expect(killed.exitCode).toBeNull();
    expect(killed.reportOk).toBeUndefined();
  });
});
