import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the harness finds the repository it lives in (it reads scenarios/, its JSON schemas and
 * the engine's sources by path, and writes beside them). It runs from its TypeScript sources
 * (harness/src/repo-paths.ts, through tsx) or compiled (harness/dist/harness/src/repo-paths.js:
 * the build keeps the repository's layout under harness/dist): the root is two directories up
 * from this file in the first case, four in the second.
 */
export function repoRootUrlOf(moduleUrl: string): URL {
  return new URL(moduleUrl.endsWith('.js') ? '../../../../' : '../../', moduleUrl);
}

export const repoRootUrl = repoRootUrlOf(import.meta.url);

/** The repository root as a path, without a trailing separator. */
export const repoRoot = resolve(fileURLToPath(repoRootUrl));

/**
 * A file of the repository by its path from the root. Data files the harness reads (the JSON
 * schemas next to its sources, the scenarios' policy) are read from the repository, compiled or
 * not: the build does not copy them, so there is one of each.
 */
export function repoFileUrl(pathFromRoot: string): URL {
  return new URL(pathFromRoot, repoRootUrl);
}
