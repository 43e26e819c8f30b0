import { errorRegistry } from '@omendb/engine';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkErrorCodes,
  codesNamed,
  errorsDocPath,
  errorsDocumentedAndTestedFact,
} from '../../../src/readiness/static-facts/errors-documented-and-tested.ts';
import { fixtureRepo, removeFixture, repoRoot } from './fixture-repo.ts';

// No registry code is written out in this file: it is itself one of the test files the fact
// reads, and a code named here would count as asserted. Fixtures use made-up codes, or take the
// registry's at run time.
const fakeCodes = ['OMENDB_ERR_FAKE_ONE', 'OMENDB_ERR_FAKE_TWO'];
const registryCodes = Object.keys(errorRegistry);

let root: string | undefined;
afterEach(async () => {
  if (root !== undefined) await removeFixture(root);
  root = undefined;
});

describe('codesNamed', () => {
  it('reads whole codes only', () => {
    const text = 'x OMENDB_ERR_FAKE_ONE_MORE, `OMENDB_ERR_FAKE_TWO` and OMENDB_ERR_';
    expect(codesNamed(text)).toEqual(new Set(['OMENDB_ERR_FAKE_ONE_MORE', 'OMENDB_ERR_FAKE_TWO']));
  });
});

describe('checkErrorCodes', () => {
  it('passes when every code is documented and named by a test', () => {
    const docs = '| `OMENDB_ERR_FAKE_ONE` | 400 |\n| `OMENDB_ERR_FAKE_TWO` | 500 |';
    const tests = [
      { path: 'a.test.ts', text: "expect(e.code).toBe('OMENDB_ERR_FAKE_ONE')" },
      { path: 'b.test.ts', text: "code: 'OMENDB_ERR_FAKE_TWO'" },
    ];
    expect(checkErrorCodes(fakeCodes, docs, tests)).toMatchObject({ value: 100, pass: true });
  });

  it('fails on a code missing from the docs or from every test, and on a prefix that is not the code', () => {
    const docs = '| `OMENDB_ERR_FAKE_ONE_MORE` |\n| `OMENDB_ERR_FAKE_TWO` |';
    const tests = [{ path: 'a.test.ts', text: 'OMENDB_ERR_FAKE_ONE' }];
    const result = checkErrorCodes(fakeCodes, docs, tests);
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toContain(`OMENDB_ERR_FAKE_ONE (not in ${errorsDocPath})`);
    expect(result.detail).toContain('OMENDB_ERR_FAKE_TWO (in no test)');
  });

  it('is no evidence for an empty registry', () => {
    expect(checkErrorCodes([], '', []).detail).toMatch(/^no evidence/);
  });
});

describe('errorsDocumentedAndTestedFact', () => {
  it('counts every registry code on the repository as it is', async () => {
    const result = await errorsDocumentedAndTestedFact.evaluate({ repoRoot, runDirs: [] });
    // First measured at 46/47 (OMENDB_ERR_HTTP_MEDIA_TYPE was asserted only through a shared
    // table in engine/src/testing); hostile-input.test.ts now names it.
    expect(result.detail).toMatch(
      new RegExp(`^${registryCodes.length}/${registryCodes.length} codes documented`),
    );
    expect(result).toMatchObject({ value: 100, pass: true });
  });

  it('fails on a repository whose docs miss a code', async () => {
    const [missing, ...rest] = registryCodes;
    root = await fixtureRepo({
      [errorsDocPath]: rest.map((code) => `| \`${code}\` | 400 | x |`).join('\n'),
      'engine/test/all.test.ts': registryCodes.map((code) => `'${code}'`).join(',\n'),
    });
    const result = await errorsDocumentedAndTestedFact.evaluate({ repoRoot: root, runDirs: [] });
    expect(result.pass).toBe(false);
    expect(result.value).toBeCloseTo((rest.length / registryCodes.length) * 100, 0);
    expect(result.detail).toContain(`${missing} (not in ${errorsDocPath})`);
    expect(result.detail).toContain('(1 test files)');
  });

  it('is no evidence without docs/errors.md', async () => {
    root = await fixtureRepo({ 'engine/test/a.test.ts': '' });
    const result = await errorsDocumentedAndTestedFact.evaluate({ repoRoot: root, runDirs: [] });
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toMatch(/^no evidence: ENOENT/);
  });
});
