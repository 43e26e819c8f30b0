import { openEngine } from '../src/engine.ts';

/**
 * Run by memory.ts in a fresh node (with --expose-gc): opens the engine over `dir` with `index`
 * and prints the RSS it added, both readings after full collections. A fresh process, because in
 * the benchmark's own process freed memory stays mapped and the next open reuses it, so its RSS
 * delta would show only part of what the open holds.
 */
const [dir, index] = process.argv.slice(2);
if (dir === undefined || (index !== 'rmi' && index !== 'binary'))
  throw new Error('usage: rss-child.ts DIR rmi|binary');
const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc !== 'function') throw new Error('rss-child.ts needs node --expose-gc');

/** Collections per reading: a second one frees what the first one's finalizers released. */
const gcRounds = 2;

function rssAfterGc(collect: () => void): number {
  for (let round = 0; round < gcRounds; round++) collect();
  return process.memoryUsage().rss;
}

const before = rssAfterGc(gc);
const engine = await openEngine({ dir, index });
const after = rssAfterGc(gc);
const stats = engine.stats();
await engine.close();
process.stdout.write(
  `${JSON.stringify({ rssBytes: after - before, points: stats.segmentPoints + stats.memtablePoints })}\n`,
);
