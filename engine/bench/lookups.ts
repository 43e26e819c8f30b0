import btreeModule from 'sorted-btree';
import type { KeyIndex } from '../src/index/key-index.ts';
import type { Engine } from '../src/engine.ts';
import type { AsyncBatch, SyncBatch } from './measure.ts';
import type { SqliteQueries } from './sqlite-baseline.ts';

/**
 * The point-lookup contenders. Each answers a batch of probes (existing keys, as bigints read
 * from the same BigInt64Array) with the sum of the values found, so that every contender does the
 * same work per probe: find the key, read its value.
 *
 * Each contender has its own function literal on purpose: V8 keeps type feedback per literal, so
 * a shared loop would see every contender's lookup, turn megamorphic and stop inlining, which
 * costs the fastest contenders most. With one literal each, every loop is monomorphic.
 */

// sorted-btree is CommonJS with a `default` property: node's ESM loader imports the whole module
// (the class under .default), bundler-style interop (the test runner) the class itself.
const btreeExport: unknown = btreeModule;
const BTree: typeof btreeModule.default =
  typeof btreeExport === 'function' ? (btreeExport as typeof btreeModule.default) : btreeModule.default;
type BTree<K, V> = InstanceType<typeof BTree<K, V>>;

export type BigintTree = BTree<bigint, number>;

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A B+ tree keyed by the same bigints as every other contender (numbers would be faster to
 * compare, but would change the key representation and lose keys past 2^53), default node size.
 */
export function buildBtree(keys: BigInt64Array, values: Float64Array): BigintTree {
  const tree = new BTree<bigint, number>(undefined, compareBigints);
  for (let i = 0; i < keys.length; i++) tree.set(keys[i]!, values[i]!);
  return tree;
}

export function rmiLookups(index: KeyIndex, values: Float64Array, probes: BigInt64Array): SyncBatch {
  return (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[index.lowerBound(probes[i]!)]!;
    return sum;
  };
}

export function binaryLookups(index: KeyIndex, values: Float64Array, probes: BigInt64Array): SyncBatch {
  return (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[index.lowerBound(probes[i]!)]!;
    return sum;
  };
}

export function btreeLookups(tree: BigintTree, probes: BigInt64Array): SyncBatch {
  return (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += tree.get(probes[i]!) ?? Number.NaN;
    return sum;
  };
}

export function sqliteLookups(queries: SqliteQueries, probes: BigInt64Array): SyncBatch {
  const get = queries.get;
  return (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += get.get(probes[i]!) ?? Number.NaN;
    return sum;
  };
}

/** engine.get end to end: series lookup, layers, the segment's key index, the value; each awaited. */
export function engineGetLookups(engine: Engine, series: string, probes: BigInt64Array): AsyncBatch {
  return async (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += (await engine.get(series, probes[i]!)) ?? Number.NaN;
    return sum;
  };
}

/** The reference answer: the values at the probe positions, summed in the same batches. */
export function referenceLookups(values: Float64Array, positions: Int32Array): SyncBatch {
  return (from, to) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[positions[i]!]!;
    return sum;
  };
}

export function probeKeys(keys: BigInt64Array, positions: Int32Array): BigInt64Array {
  const probes = new BigInt64Array(positions.length);
  for (let i = 0; i < positions.length; i++) probes[i] = keys[positions[i]!]!;
  return probes;
}
