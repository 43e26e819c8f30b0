import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KeyIndexKind } from '../src/index/key-index.ts';
import { type Engine, openEngine } from '../src/engine.ts';

/**
 * Memory and disk figures. Memory is read after full garbage collections, so that what is
 * counted is what the engine keeps, not garbage that happens to be uncollected.
 */

/** Collections per reading: a second one frees what the first one's finalizers released. */
const gcRounds = 2;

/** The RSS child may take a while to open 10M points; past this it is hung. */
const childTimeoutMs = 300_000;

let collect: (() => void) | undefined;

/**
 * global.gc when node runs with --expose-gc; otherwise the flag is set now and gc taken from a
 * fresh context (V8 installs it on contexts created after the flag), so that `npm run bench`
 * needs no node flags.
 */
export function garbageCollector(): () => void {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') {
    collect = exposed;
  } else {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** V8 heap in use plus ArrayBuffer bytes (typed arrays, Buffers), after full collections. */
export function retainedAfterGc(): number {
  const gc = garbageCollector();
  for (let round = 0; round < gcRounds; round++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Bytes in the regular files under a directory (recursively). */
export async function directoryBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += (await stat(`${entry.parentPath}/${entry.name}`)).size;
  }
  return bytes;
}

/** Bytes of a file that may not exist (SQLite's -wal after a truncating checkpoint). */
export async function fileBytes(file: string): Promise<number> {
  return stat(file).then(
    (facts) => facts.size,
    () => 0,
  );
}

export interface MeasuredOpen {
  readonly engine: Engine;
  readonly openMs: number;
  /** Heap and ArrayBuffer bytes after opening minus before, both after full collections. */
  readonly retainedBytes: number;
}

/** Opens an engine over existing data in this process, timing the open and what it retains. */
export async function openMeasured(dir: string, index: KeyIndexKind): Promise<MeasuredOpen> {
  const before = retainedAfterGc();
  const started = process.hrtime.bigint();
  const engine = await openEngine({ dir, index });
  const openMs = Number(process.hrtime.bigint() - started) / 1e6;
  const after = retainedAfterGc();
  return { engine, openMs, retainedBytes: after - before };
}

const execFileAsync = promisify(execFile);

/**
 * The RSS an open adds, measured in a fresh node process (see rss-child.ts for why). The engine
 * must be closed here meanwhile: the child takes the directory lock.
 */
export async function rssOfOpen(
  dir: string,
  index: KeyIndexKind,
): Promise<{ readonly rssBytes: number; readonly points: number }> {
  const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', child, dir, index],
    {
      timeout: childTimeoutMs,
    },
  );
  const parsed = JSON.parse(stdout) as { rssBytes: unknown; points: unknown };
  if (typeof parsed.rssBytes !== 'number' || typeof parsed.points !== 'number')
    throw new Error(`rss child printed ${stdout}`);
  return { rssBytes: parsed.rssBytes, points: parsed.points };
}
