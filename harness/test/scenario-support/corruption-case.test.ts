import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandDisagrees, runCorruptionCase } from '../../src/scenario-support/corruption-case.ts';
import {
  buildCorruptionFixture,
  type CorruptionFixture,
} from '../../src/scenario-support/corruption-fixture.ts';
import type { Damage } from '../../src/scenario-support/damage.ts';

let root: string;
let fixture: CorruptionFixture;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-case-test-'));
  fixture = await buildCorruptionFixture(createPrng(3), join(root, 'fixture'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const segment = () => [...fixture.files.keys()].find((n) => n.startsWith('segments/')) as string;

describe('one corruption case', () => {
  it('a flipped segment bit is refused by open and reported by the check', async () => {
    const damage: Damage = { kind: 'bit-flip', file: segment(), offset: 100, length: 1, bit: 1 };
    const result = await runCorruptionCase(fixture, damage, join(root, 'case'));
    expect(result).toMatchObject({
      verdict: 'detected',
      openCode: 'OMENDB_ERR_SEGMENT_CORRUPT',
      checkOk: false,
      checkDisagrees: false,
      wrongValues: 0,
    });
  });

  it('a WAL cut inside its last record loses only that record, and the check calls it a warning', async () => {
    const last = fixture.walRecords.at(-1) as { start: number; end: number };
    const size = fixture.files.get(fixture.walFile)?.length as number;
    const damage: Damage = {
      kind: 'truncate',
      file: fixture.walFile,
      offset: last.start + 5,
      length: size - last.start - 5,
    };
    const commandDir = join(root, 'command');
    const result = await runCorruptionCase(fixture, damage, join(root, 'case'), commandDir);
    expect(result).toMatchObject({
      verdict: 'torn-tail',
      openCode: 'opened',
      checkOk: true,
      checkDisagrees: false,
    });
    expect(result.lostPoints).toBeGreaterThanOrEqual(0);
  });

  it('an undamaged copy opens intact', async () => {
    const damage: Damage = { kind: 'zero-page', file: 'MANIFEST', offset: 0, length: 0 };
    const result = await runCorruptionCase(fixture, damage, join(root, 'case'));
    expect(result).toMatchObject({ verdict: 'intact', noop: true, checkOk: true, checkDisagrees: false });
  });

  it('compares the command exit code with the open', () => {
    const run = (exitCode: number | null) => ({ exitCode, reportOk: undefined, problemCodes: [] });
    expect(commandDisagrees(run(0), 'opened')).toBe(false);
    expect(commandDisagrees(run(1), 'OMENDB_ERR_WAL_CORRUPT')).toBe(false);
    expect(commandDisagrees(run(1), 'opened')).toBe(true);
    expect(commandDisagrees(run(0), 'OMENDB_ERR_WAL_CORRUPT')).toBe(true);
    expect(commandDisagrees(run(null), 'opened')).toBe(true);
  });
});
