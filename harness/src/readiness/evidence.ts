import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isOmenDbError } from '@omendb/engine';
import { readinessJsonBytesMax, readinessWalkDepthMax, readinessWalkEntriesMax } from '../limits.ts';
import { type ScenarioResult, validateResult } from '../runner/result.ts';

/**
 * The evidence of one or more run directories (`report --in DIR ...`): every scenario result
 * (any .json file the result schema accepts, wherever it lies), the test runner's JSON results
 * (tests/*.json), the istanbul coverage maps of the unit tests and of the scenario processes
 * (coverage/unit/, coverage/e2e/) and benchmark JSON (bench/*.json). Several directories merge:
 * a CI that shards scenarios over machines gets one report. Nothing is read but files.
 */

export interface FoundResult {
  readonly result: ScenarioResult;
  /** The result file, absolute. */
  readonly file: string;
  /** The directory its evidence paths are relative to (the run's output directory). */
  readonly baseDir: string;
}

/** One test file's outcome in the test runner's JSON results. */
export interface TestFileOutcome {
  /** As the runner wrote it (an absolute path on the machine that ran it), with '/' separators. */
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface TestsEvidence {
  readonly file: string;
  readonly files: readonly TestFileOutcome[];
}

export interface CoverageFiles {
  /** coverage-final.json files (absolute) of the unit tests and of the scenario processes. */
  readonly unitFinal: readonly string[];
  readonly e2eFinal: readonly string[];
}

export interface BenchEvidence {
  readonly file: string;
  readonly data: unknown;
}

export interface Evidence {
  /** The --in directories, absolute. */
  readonly runDirs: readonly string[];
  readonly results: readonly FoundResult[];
  /** JSON files that looked like results (a scenario and a schemaVersion) and failed the schema. */
  readonly rejected: readonly { readonly file: string; readonly reason: string }[];
  readonly tests: readonly TestsEvidence[];
  readonly coverage: CoverageFiles;
  readonly bench: readonly BenchEvidence[];
}

interface Walk {
  entries: number;
  seen: Set<string>;
  results: FoundResult[];
  rejected: { file: string; reason: string }[];
  tests: TestsEvidence[];
  unitFinal: string[];
  e2eFinal: string[];
  bench: BenchEvidence[];
}

/** Directories that never hold evidence of a run, or hold too much that is not (raw V8 coverage). */
const skippedDirs = new Set(['node_modules', '.git']);

export async function collectEvidence(runDirs: readonly string[]): Promise<Evidence> {
  const walk: Walk = {
    entries: 0,
    seen: new Set(),
    results: [],
    rejected: [],
    tests: [],
    unitFinal: [],
    e2eFinal: [],
    bench: [],
  };
  for (const dir of runDirs) await walkDir(walk, dir, 0);
  return {
    runDirs,
    results: walk.results,
    rejected: walk.rejected,
    tests: walk.tests,
    coverage: { unitFinal: walk.unitFinal, e2eFinal: walk.e2eFinal },
    bench: walk.bench,
  };
}

async function walkDir(walk: Walk, dir: string, depth: number): Promise<void> {
  if (depth > readinessWalkDepthMax) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // The top directory must exist (the command checks); a subdirectory vanishing mid-walk is not evidence.
    if (depth === 0) throw error;
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    walk.entries += 1;
    if (walk.entries > readinessWalkEntriesMax)
      throw new Error(
        `OmenDB harness invariant violated: more than ${readinessWalkEntriesMax} entries under the --in directories`,
      );
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (skippedDirs.has(entry.name)) continue;
      if (entry.name === 'coverage') await collectCoverage(walk, path);
      else await walkDir(walk, path, depth + 1);
    } else if (entry.isFile() && entry.name.endsWith('.json')) await readJsonFile(walk, path);
  }
}

/** coverage/unit/coverage-final.json and coverage/e2e/coverage-final.json; the rest (raw V8 files) is skipped. */
async function collectCoverage(walk: Walk, dir: string): Promise<void> {
  for (const [source, list] of [
    ['unit', walk.unitFinal],
    ['e2e', walk.e2eFinal],
  ] as const) {
    const file = join(dir, source, 'coverage-final.json');
    const found = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found && (await firstVisit(walk, file))) list.push(file);
  }
}

async function firstVisit(walk: Walk, file: string): Promise<boolean> {
  // The same file reached twice (--in DIR and --in DIR/embedded) is one piece of evidence.
  const real = await realpath(file);
  if (walk.seen.has(real)) return false;
  walk.seen.add(real);
  return true;
}

async function readJsonFile(walk: Walk, file: string): Promise<void> {
  const size = (await stat(file)).size;
  if (size > readinessJsonBytesMax || !(await firstVisit(walk, file))) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return; // Not JSON: not evidence of anything (a file being written, a log).
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
  const record = parsed as Record<string, unknown>;
  const parent = basename(join(file, '..'));
  if (isResultLike(record)) addResult(walk, file, record);
  else if (parent === 'tests' && Array.isArray(record.testResults))
    walk.tests.push({ file, files: testOutcomes(record.testResults) });
  else if (parent === 'bench') walk.bench.push({ file, data: record });
}

function isResultLike(record: Record<string, unknown>): boolean {
  return typeof record.scenario === 'string' && 'schemaVersion' in record && 'checks' in record;
}

function addResult(walk: Walk, file: string, record: Record<string, unknown>): void {
  try {
    const result = validateResult(record as unknown as ScenarioResult);
    walk.results.push({ result, file, baseDir: join(file, '..') });
  } catch (error) {
    if (!isOmenDbError(error, 'OMENDB_ERR_HARNESS_RESULT_INVALID')) throw error;
    walk.rejected.push({ file, reason: error.message });
  }
}

/** vitest --reporter=json: per test file, its assertions; a file that failed to load counts as one failure. */
export function testOutcomes(testResults: readonly unknown[]): TestFileOutcome[] {
  return testResults.map((entry) => {
    const file = (entry ?? {}) as { name?: unknown; status?: unknown; assertionResults?: unknown };
    const assertions = Array.isArray(file.assertionResults) ? file.assertionResults : [];
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const assertion of assertions) {
      const status = (assertion as { status?: unknown } | null)?.status;
      if (status === 'passed') passed += 1;
      else if (status === 'failed') failed += 1;
      else skipped += 1;
    }
    if (assertions.length === 0 && file.status === 'failed') failed = 1;
    const name = typeof file.name === 'string' ? file.name.replaceAll('\\', '/') : '';
    return { name, passed, failed, skipped };
  });
}
