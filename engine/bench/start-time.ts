import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench:start -- [RUNS]`: how long the `omendb` command takes to start, as a user runs
 * it (plain `node engine/bin/omendb.js`, without the `source` condition the tests add): the wall
 * time of `omendb --help`, and the time from spawn until `omendb serve` on a new empty directory
 * prints its listening line. Each is the median of RUNS runs (default 5), run one after another.
 */

export const startRunsMax = 20;
/** One start that takes longer than this is a failure, not a figure. */
export const startRunMsMax = 30_000;

const bin = fileURLToPath(new URL('../bin/omendb.js', import.meta.url));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The user's environment: without the `--conditions=source` vitest puts in NODE_OPTIONS. */
function userEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _dropped, ...env } = process.env;
  return env;
}

/** Milliseconds from spawn until `args` exits (or, with `until`, until stdout matches it). */
export function timeStart(args: readonly string[], until?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      env: userEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let elapsed: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), startRunMsMax);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (until !== undefined && elapsed === undefined && until.test(out)) {
        elapsed = performance.now() - started;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = elapsed ?? performance.now() - started;
      if (until !== undefined && elapsed === undefined)
        reject(new Error(`omendb ${args.join(' ')} never printed ${until}: exit ${code}\n${err}`));
      else if (until === undefined && code !== 0)
        reject(new Error(`omendb ${args.join(' ')} exited ${code}\n${err}`));
      else resolve(ms);
    });
  });
}

/** `omendb serve` on a fresh empty directory, auth off on loopback, an ephemeral port. */
export async function timeServeStart(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'omendb-start-'));
  try {
    return await timeStart(
      ['serve', '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0', '--auth', 'off'],
      /omendb listening on /,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface StartTimes {
  readonly runs: number;
  readonly helpMs: readonly number[];
  readonly serveMs: readonly number[];
}

export async function measureStartTimes(runs: number): Promise<StartTimes> {
  if (!Number.isInteger(runs) || runs < 1 || runs > startRunsMax)
    throw new Error(`runs must be an integer from 1 to ${startRunsMax}, not ${runs}`);
  const helpMs: number[] = [];
  const serveMs: number[] = [];
  for (let i = 0; i < runs; i += 1) helpMs.push(await timeStart(['--help']));
  for (let i = 0; i < runs; i += 1) serveMs.push(await timeServeStart());
  return { runs, helpMs, serveMs };
}

export function formatStartTimes(times: StartTimes): string {
  const row = (name: string, ms: readonly number[]) =>
    `${name}: median ${(median(ms) / 1000).toFixed(3)} s of ${times.runs} (${ms.map((m) => (m / 1000).toFixed(3)).join(', ')})`;
  return [row('omendb --help', times.helpMs), row('omendb serve, spawn to listening', times.serveMs)].join(
    '\n',
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 5);
  console.log(formatStartTimes(await measureStartTimes(runs)));
}
