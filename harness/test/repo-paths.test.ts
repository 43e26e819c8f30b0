import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultPolicyPath, policySchemaPath } from '../src/readiness/policy.ts';
import { readinessSchemaPath } from '../src/readiness/validate-readiness.ts';
import { repoFileUrl, repoRoot, repoRootUrl, repoRootUrlOf } from '../src/repo-paths.ts';
import { resultSchemaPath } from '../src/runner/result.ts';

describe('repo-paths: the repository root from harness/src and from harness/dist', () => {
  it('is the directory holding the workspaces and the scenarios', () => {
    expect(existsSync(join(repoRoot, 'harness', 'package.json'))).toBe(true);
    expect(existsSync(join(repoRoot, 'scenarios', 'index.ts'))).toBe(true);
    expect(fileURLToPath(repoRootUrl)).toBe(`${repoRoot}/`);
  });

  it('is the same root whether this module runs as TypeScript or compiled under harness/dist', () => {
    const source = pathToFileURL(join(repoRoot, 'harness', 'src', 'repo-paths.ts')).href;
    const compiled = pathToFileURL(join(repoRoot, 'harness', 'dist', 'harness', 'src', 'repo-paths.js')).href;
    expect(repoRootUrlOf(source).href).toBe(repoRootUrl.href);
    expect(repoRootUrlOf(compiled).href).toBe(repoRootUrl.href);
  });

  it('finds every data file the harness reads by path (the build does not copy them)', () => {
    for (const url of [policySchemaPath, defaultPolicyPath, readinessSchemaPath, resultSchemaPath]) {
      expect(existsSync(url), url.href).toBe(true);
    }
    expect(repoFileUrl('harness/bin/omendb-harness.js').href).toBe(
      new URL('harness/bin/omendb-harness.js', repoRootUrl).href,
    );
  });
});
