import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptionWalBatches } from '../../src/limits.ts';
import {
  buildCorruptionFixture,
  type CorruptionFixture,
} from '../../src/scenario-support/corruption-fixture.ts';

let root: string;
let fixture: CorruptionFixture;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-fixture-test-'));
  fixture = await buildCorruptionFixture(createPrng(42), join(root, 'a'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('corruption fixture', () => {
  it('holds a manifest, two segments and one WAL file of contiguous records, and no lock', async () => {
    const names = [...fixture.files.keys()].sort();
    expect(names.filter((n) => n.startsWith('segments/'))).toHaveLength(2);
    expect(names).toContain('MANIFEST');
    expect(names).not.toContain('LOCK');
    expect(names.filter((n) => n.startsWith('wal/'))).toEqual([fixture.walFile]);
    expect(fixture.walRecords).toHaveLength(corruptionWalBatches);
    for (let i = 1; i < fixture.walRecords.length; i++)
      expect(fixture.walRecords[i]?.start).toBe(fixture.walRecords[i - 1]?.end);
    expect(fixture.walRecords.at(-1)?.end).toBe(fixture.files.get(fixture.walFile)?.length);
    expect(fixture.prefixFingerprints).toHaveLength(corruptionWalBatches + 1);
    expect(fixture.prefixFingerprints.at(-1)).toBe(fixture.model.fingerprint());
    expect(fixture.points).toBeGreaterThan(1_000);
    // The directory it was built in is gone: only the bytes in memory are used.
    await expect(stat(join(root, 'a'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is the same, byte for byte, from the same seed', async () => {
    const again = await buildCorruptionFixture(createPrng(42), join(root, 'b'));
    expect([...again.files.keys()].sort()).toEqual([...fixture.files.keys()].sort());
    for (const [name, bytes] of fixture.files) expect(again.files.get(name)).toEqual(bytes);
    expect(again.walRecords).toEqual(fixture.walRecords);
  });
});
