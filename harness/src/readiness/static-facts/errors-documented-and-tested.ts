import { join } from 'node:path';
import { errorRegistry } from '@omendb/engine';
import type { StaticFact, StaticFactContext, StaticFactResult } from '../types.ts';
import { readTextBounded, readTree, type TextFile } from './fact-files.ts';
import { guarded, shareResult } from './fact-result.ts';

/**
 * 'errors-documented-and-tested': every code of the engine's registry appears in docs/errors.md and
 * in at least one test file (*.test.ts under engine/test, harness/test or scenarios/test), as
 * the whole code: OMENDB_ERR_HTTP does not count for OMENDB_ERR_HTTP_NOT_FOUND. A test that only
 * iterates the registry names no code, and so asserts none by name.
 */

export const errorsDocPath = 'docs/errors.md';
export const testDirs = ['engine/test', 'harness/test', 'scenarios/test'];

/** The codes a text names, whole (a code is followed by no further code character). */
export function codesNamed(text: string): Set<string> {
  return new Set(text.match(/OMENDB_ERR_[A-Z0-9_]*[A-Z0-9]/g) ?? []);
}

/** The pure check: the registry's codes, the docs page and the test files in, the share out. */
export function checkErrorCodes(
  codes: readonly string[],
  docs: string,
  testFiles: readonly TextFile[],
): StaticFactResult {
  const documented = codesNamed(docs);
  const tested = new Set<string>();
  for (const file of testFiles) for (const code of codesNamed(file.text)) tested.add(code);
  const offenders: string[] = [];
  for (const code of codes) {
    const missing = [
      ...(documented.has(code) ? [] : [`not in ${errorsDocPath}`]),
      ...(tested.has(code) ? [] : ['in no test']),
    ];
    if (missing.length > 0) offenders.push(`${code} (${missing.join(', ')})`);
  }
  return shareResult(
    `codes documented and asserted by a test (${testFiles.length} test files)`,
    codes.length,
    offenders,
  );
}

async function evaluate({ repoRoot }: StaticFactContext): Promise<StaticFactResult> {
  const docs = await readTextBounded(join(repoRoot, errorsDocPath));
  const testFiles = await readTree(repoRoot, testDirs, '.test.ts');
  return checkErrorCodes(Object.keys(errorRegistry), docs, testFiles);
}

export const errorsDocumentedAndTestedFact: StaticFact = {
  name: 'errors-documented-and-tested',
  description: `Every error code of the registry is in ${errorsDocPath} and named by at least one test file.`,
  evaluate: (context) => guarded(() => evaluate(context)),
};
