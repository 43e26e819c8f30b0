import { setFlagsFromString } from 'node:v8';
import { serverHeapGrowingPercent } from '../limits.ts';

const heapGrowingOption = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * The V8 flag `omendb serve` sets for itself (see serverHeapGrowingPercent), or null when the node
 * command line already has one: the operator's choice (0 gives back V8's own factor) is kept.
 */
export function serverHeapFlag(execArgv: readonly string[]): string | null {
  if (execArgv.some((argument) => heapGrowingOption.test(argument))) return null;
  return `--heap-growing-percent=${serverHeapGrowingPercent}`;
}

/**
 * Applies the flag to this process, once, before the server allocates: V8 reads it at every
 * mark-compact to size the next allocation limit, so setting it at run time takes effect from the
 * first. Returns the flag set, or null.
 */
export function tuneServerHeap(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flag: string) => void = setFlagsFromString,
): string | null {
  const flag = serverHeapFlag(execArgv);
  if (flag !== null) setFlags(flag);
  return flag;
}
