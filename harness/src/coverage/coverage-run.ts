import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoFileUrl, repoRoot } from '../repo-paths.ts';
import { convertE2eCoverage } from './convert-e2e.ts';

/**
 * `run --coverage`: NODE_V8_COVERAGE only takes effect when a process starts, so the harness runs
 * itself again, the same arguments under it, and every process that child starts inherits it
 * (the spawned server copies the environment but OMENDB_*; `omendb check` inherits it whole).
 * The in-process engines (embedded, embedded-sim) are covered as part of that child. A process
 * killed with SIGKILL (crash-kill's servers) writes no coverage: only its restarts count.
 * Once the child exits, the raw files become <out>/coverage/e2e/coverage-final.json and
 * coverage-summary.json, mapped to engine/src/*.ts.
 */

/** Set in the child: it runs the scenarios; the parent only converts. */
export const coverageChildVariable = 'OMENDB_HARNESS_COVERAGE_CHILD';

const harnessBin = fileURLToPath(repoFileUrl('harness/bin/omendb-harness.js'));
/** The repository root (see repo-paths.ts: the same from harness/src and from harness/dist). */
export const repoRootOfHarness = repoRoot;

export interface CoverageRunIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * The child, and every process it starts, runs the TypeScript sources (the `source` condition:
 * both bins then run src/ through tsx), as the unit tests do. The readiness report unions this
 * map with vitest's, item by item, and only the same form gives the same items: compiled
 * JavaScript mapped back through its source maps lands on other columns (a function's body starts
 * after its stripped return type), so each item counted twice and the union of storage fell from
 * 98.5% to 86.9% of statements in a CI run. Coverage of the compiled form is still converted when
 * it is what ran (convert-e2e.ts); it just is not what a coverage run makes.
 */
export function withSourceCondition(nodeOptions: string | undefined): string {
  const condition = '--conditions=source';
  if (nodeOptions === undefined || nodeOptions.trim() === '') return condition;
  return nodeOptions.split(/\s+/).includes(condition) ? nodeOptions : `${nodeOptions} ${condition}`;
}

export function coverageDirs(outDir: string): { e2eDir: string; rawDir: string } {
  const e2eDir = join(outDir, 'coverage', 'e2e');
  return { e2eDir, rawDir: join(e2eDir, 'raw') };
}

/** Runs `omendb-harness run <args>` under NODE_V8_COVERAGE, then converts; returns the exit code. */
export async function runUnderCoverage(options: {
  readonly args: readonly string[];
  readonly outDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly io: CoverageRunIo;
  readonly cwd: string;
  readonly repoRoot?: string;
}): Promise<number> {
  const { e2eDir, rawDir } = coverageDirs(options.outDir);
  // A previous run's raw files would be counted as this run's.
  await rm(rawDir, { recursive: true, force: true });
  await mkdir(rawDir, { recursive: true });
  const code = await runChild(options, rawDir);
  try {
    const result = await convertE2eCoverage({
      rawDir,
      outDir: e2eDir,
      repoRoot: options.repoRoot ?? repoRootOfHarness,
    });
    options.io.stdout.write(
      `coverage: ${result.loadedFiles} of ${result.totalFiles} engine/src files ran in ${result.rawFiles} process files -> ${result.summaryPath}\n`,
    );
    for (const why of result.skipped) options.io.stderr.write(`coverage: not mapped: ${why}\n`);
  } catch (error) {
    options.io.stderr.write(`coverage: conversion failed: ${(error as Error).message}\n`);
    return Math.max(code, 2);
  }
  return code;
}

function runChild(
  options: { args: readonly string[]; env: NodeJS.ProcessEnv; io: CoverageRunIo; cwd: string },
  rawDir: string,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [harnessBin, 'run', ...options.args], {
      cwd: options.cwd,
      env: {
        ...options.env,
        NODE_OPTIONS: withSourceCondition(options.env.NODE_OPTIONS),
        NODE_V8_COVERAGE: rawDir,
        [coverageChildVariable]: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => options.io.stdout.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => options.io.stderr.write(chunk.toString()));
    // A CI timeout's SIGTERM reaches this process only: pass it on, so the child stops its servers.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    child.on('error', reject);
    child.on('close', (code) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      // Killed by a signal: as a crash.
      resolvePromise(code ?? 2);
    });
  });
}
