import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staticFactDirDepthMax, staticFactFileBytesMax } from '../../../src/limits.ts';
import { readTextBounded, readTree } from '../../../src/readiness/static-facts/fact-files.ts';
import { fixtureRepo, removeFixture } from './fixture-repo.ts';

let root: string | undefined;
afterEach(async () => {
  if (root !== undefined) await removeFixture(root);
  root = undefined;
});

describe('readTextBounded', () => {
  it('reads a file, and says ENOENT for a missing one', async () => {
    root = await fixtureRepo({ 'a.txt': 'hello' });
    expect(await readTextBounded(join(root, 'a.txt'))).toBe('hello');
    await expect(readTextBounded(join(root, 'missing.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a file past the limit', async () => {
    root = await fixtureRepo({});
    const handle = await open(join(root, 'big.txt'), 'w');
    // Sparse: the size is what is checked, before anything is read.
    await handle.truncate(staticFactFileBytesMax + 1);
    await handle.close();
    await expect(readTextBounded(join(root, 'big.txt'))).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
    });
  });
});

describe('readTree', () => {
  it('reads matching files sorted, skipping node_modules, dot directories and other names', async () => {
    root = await fixtureRepo({
      't/b.test.ts': 'b',
      't/a/c.test.ts': 'c',
      't/a/d.ts': 'not a test',
      't/node_modules/x.test.ts': 'dependency',
      't/.cache/y.test.ts': 'hidden',
      'u/e.test.ts': 'e',
    });
    const files = await readTree(root, ['t', 'u', 'missing'], '.test.ts');
    expect(files).toEqual([
      { path: 't/a/c.test.ts', text: 'c' },
      { path: 't/b.test.ts', text: 'b' },
      { path: 'u/e.test.ts', text: 'e' },
    ]);
  });

  it('refuses a tree deeper than the limit rather than count part of it', async () => {
    root = await fixtureRepo({});
    const deep = join(root, 't', ...Array.from({ length: staticFactDirDepthMax + 1 }, () => 'd'));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'z.test.ts'), 'z');
    await expect(readTree(root, ['t'], '.test.ts')).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
    });
  });
});
