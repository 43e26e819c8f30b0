import { fileURLToPath } from 'node:url';
import { execa, type Result, type ResultPromise } from 'execa';

/**
 * Runs the real `omendb` command (engine/bin/omendb.js through tsx) as a child process, the way
 * a user does, from the repository root. Every wait here is bounded.
 */

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const omendbBin = fileURLToPath(new URL('../../bin/omendb.js', import.meta.url));

/** How long a command may take before it is killed (tsx startup is about a second). */
export const commandTimeoutMs = 30_000;
/** How long a server may take to print its URL. */
export const serverStartTimeoutMs = 30_000;

/**
 * The suite's own setting that a command keeps: the cheaper cost of new password hashes
 * (vitest.config.ts). `extra` may clear it (`OMENDB_PASSWORD_HASH_COST: ''` is the engine's cost).
 */
const suiteVariables = ['OMENDB_PASSWORD_HASH_COST'];

/** The test process's environment without any other OMENDB_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (!name.startsWith('OMENDB_') || suiteVariables.includes(name)))
      env[name] = value;
  }
  return { ...env, ...extra };
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Standard input (a password line for `omendb users`). */
  input?: string;
  timeoutMs?: number;
}

/** Runs `omendb ARGS` to completion; never rejects on a non-zero exit. */
export async function runOmendb(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  return execa(process.execPath, [omendbBin, ...args], {
    cwd: repoRoot,
    env: options.env ?? cleanEnv(),
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? commandTimeoutMs,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
}

/** The registry code `omendb: CODE: message` on stderr, if any. */
export function stderrCode(stderr: unknown): string | undefined {
  return /omendb: (OMENDB_ERR_[A-Z_]+):/.exec(String(stderr))?.[1];
}

export interface ServeProcess {
  /** The URL printed on stdout (`omendb listening on URL`). */
  readonly url: string;
  readonly pid: number;
  readonly child: ResultPromise;
  /** The JSON log lines on stderr so far, parsed (lines that are not JSON are skipped). */
  logs(): Record<string, unknown>[];
  /** Resolves once a log line matching `test` has been seen; rejects after timeoutMs. */
  waitForLog(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the child's result once it exited; rejects after timeoutMs. */
  exited(timeoutMs?: number): Promise<Result>;
  /** Sends `signal` to the server process. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it is still running after the bounded wait. */
  stop(): Promise<Result>;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts `omendb serve ARGS` and resolves once it printed its URL; rejects (with its stderr) if
 * it exits first or does not print it in time.
 */
export async function startServe(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = serverStartTimeoutMs,
  /** 'pipe': the test holds the server's stdin (child.stdin) and may end it. */
  stdin: 'ignore' | 'pipe' = 'ignore',
): Promise<ServeProcess> {
  const child = execa(process.execPath, [omendbBin, 'serve', ...args], {
    cwd: repoRoot,
    env,
    extendEnv: false,
    reject: false,
    stdin,
    // A last resort only: the tests stop their servers themselves.
    timeout: 5 * 60_000,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('omendb serve did not spawn');
  const logLines: Record<string, unknown>[] = [];
  const waiters = new Set<{ test: (line: Record<string, unknown>) => boolean; resolve: () => void }>();
  let stderrRest = '';
  let stderrText = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString();
    stderrRest += chunk.toString();
    const lines = stderrRest.split('\n');
    stderrRest = lines.pop()!;
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      logLines.push(line);
      for (const waiter of waiters) {
        if (waiter.test(line)) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    }
  });
  const result = child.then((r) => r);
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^omendb listening on (\S+)\n/m.exec(stdout);
        if (match !== null) resolve(match[1]!);
      });
      void result.then((r) =>
        reject(new Error(`omendb serve exited (${r.exitCode}) before listening:\n${stderrText}`)),
      );
    }),
    timeoutMs,
    'omendb serve to print its URL',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  const exited = (ms = 20_000) => withTimeout(result, ms, 'omendb serve to exit');
  return {
    url,
    pid,
    child,
    logs: () => logLines,
    waitForLog(test, ms = 10_000) {
      if (logLines.some(test)) return Promise.resolve();
      return withTimeout(
        new Promise<void>((resolve) => waiters.add({ test, resolve })),
        ms,
        'a log line from omendb serve',
      );
    },
    exited,
    signal(signal) {
      process.kill(pid, signal);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      try {
        return await exited(20_000);
      } catch {
        child.kill('SIGKILL');
        return exited(5_000);
      }
    },
  };
}

/** An Authorization header for HTTP Basic. */
export function basic(name: string, password: string): string {
  return `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
}

/** fetch with a bounded wait. */
export function fetchWithin(url: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

/** Polls `check` every intervalMs until it returns true; false if it never did within timeoutMs. */
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
