import { assert } from '../errors.ts';
import { rmiLeafErrorTarget, rmiLeavesMax } from '../limits.ts';
import { lowerBoundIn } from './binary-search-index.ts';
import type { KeyIndex, KeyIndexStats } from './key-index.ts';

/**
 * A two-stage recursive model index (RMI) over a sorted, unique BigInt64Array.
 *
 * Keys are mapped to doubles (monotone: a < b implies Number(a) <= Number(b), so order is kept,
 * though keys beyond 2^53 may tie). A root linear model routes a key to one of M leaves; each
 * leaf is a least-squares line from key to position, with the exact minimum and maximum error
 * over ALL of its keys (never a sample, never capped). A lookup searches only the predicted
 * window, clamped to the leaf's own positions, with a binary search on the doubles, and settles
 * ties with exact bigint comparisons. So every present key is found and every absent key gets
 * its exact lower bound: the model may be approximate, the answer never is.
 *
 * Why the window holds the answer: routing and each leaf's prediction are monotone in the key
 * (floating-point rounding is monotone, slopes are >= 0), so every key routed to an earlier leaf
 * is smaller and every key routed to a later one larger; the lower bound L of a key routed to
 * leaf j therefore lies in [start_j, end_j]; and pred(x_{L-1}) <= pred(x) <= pred(x_L) with the
 * recorded errors bound L within [pred + errMin, pred + errMax + 1].
 */

/** Per leaf: centre of its keys (as doubles), centre of its positions, slope, and the error bounds. */
const leafFields = 5;

export interface RmiOptions {
  /** Cut this many equal-count leaves instead of fitting lines greedily (at most rmiLeavesMax). */
  readonly leaves?: number;
}

export function createRmiIndex(keys: BigInt64Array, options: RmiOptions = {}): KeyIndex {
  return rmiIndexFromModel(keys, buildRmiModel(keys, options));
}

/**
 * Everything an RMI holds besides the key column: plain numbers and typed arrays, so that a
 * worker thread can build it (the O(n) part) and hand it over as transferables, and the thread
 * that serves lookups only wraps it (rmiIndexFromModel, O(1)).
 */
export interface RmiModel {
  /** The keys as doubles, one per key. */
  readonly xs: Float64Array;
  /** Leaf j holds positions starts[j] .. starts[j + 1]. */
  readonly starts: Int32Array;
  /** The smallest double routed to each leaf (-Infinity for leaf 0). */
  readonly boundaries: Float64Array;
  /** leafFields numbers per leaf. */
  readonly leaves: Float64Array;
  readonly root: RootModel;
  readonly windowMean: number;
  readonly windowMax: number;
}

export function buildRmiModel(keys: BigInt64Array, options: RmiOptions = {}): RmiModel {
  const n = keys.length;
  const xs = doublesOfKeys(keys);
  if (n === 0) {
    const none = { xMean: 0, jMean: 0, slope: 0, errorMin: 0, errorMax: 0 };
    return {
      xs,
      starts: Int32Array.of(0),
      boundaries: new Float64Array(0),
      leaves: new Float64Array(0),
      root: none,
      windowMean: 0,
      windowMax: 0,
    };
  }
  const starts = leafStarts(xs, options.leaves);
  const leafCount = starts.length - 1;
  // boundaries[j]: the smallest double routed to leaf j (-Infinity for leaf 0, so that keys
  // below the first one route there too).
  const boundaries = new Float64Array(leafCount);
  boundaries[0] = Number.NEGATIVE_INFINITY;
  for (let leaf = 1; leaf < leafCount; leaf++) boundaries[leaf] = xs[starts[leaf]!]!;
  const root = fitRoot(xs, starts, boundaries);
  const leaves = new Float64Array(leafCount * leafFields);
  let windowSum = 0;
  let windowMax = 0;
  for (let leaf = 0; leaf < leafCount; leaf++) {
    const window = fitLeaf(xs, starts[leaf]!, starts[leaf + 1]!, leaves, leaf * leafFields);
    windowSum += window * (starts[leaf + 1]! - starts[leaf]!);
    if (window > windowMax) windowMax = window;
  }
  return { xs, starts, boundaries, leaves, root, windowMean: windowSum / n, windowMax };
}

/**
 * The index over `keys` from a model built for exactly these keys. The model came from another
 * thread, so it is checked before it is trusted: its shape (lengths and leaf coverage), and its
 * doubles against the keys at every leaf start and at the last key (O(leaves)), which refuses a
 * model of another column. The fitted numbers need no check: every lookup verifies its answer
 * against the doubles (see lowerBound), so a wrong fit costs a full search, never a wrong answer.
 */
export function rmiIndexFromModel(keys: BigInt64Array, model: RmiModel): KeyIndex {
  const n = keys.length;
  if (n === 0) return emptyIndex();
  const { xs, starts, boundaries, leaves, root } = model;
  const leafCount = starts.length - 1;
  assert(
    xs.length === n &&
      leafCount >= 1 &&
      starts[0] === 0 &&
      starts[leafCount] === n &&
      boundaries.length === leafCount &&
      leaves.length === leafCount * leafFields &&
      doublesMatchKeys(keys, xs, starts),
    'RMI model does not match its key column',
  );
  const lastKey = keys[n - 1]!;
  const bytes = xs.byteLength + starts.byteLength + boundaries.byteLength + leaves.byteLength;
  let modelMisses = 0;
  const stats = (): KeyIndexStats => ({
    kind: 'rmi',
    keys: n,
    leaves: leafCount,
    windowMean: model.windowMean,
    windowMax: model.windowMax,
    bytes,
    modelMisses,
  });

  /** The leaf whose doubles cover x: the root predicts it, a search of its error window confirms it. */
  function route(x: number): number {
    if (leafCount === 1) return 0;
    const predicted = root.jMean + root.slope * (x - root.xMean);
    let lo = Math.floor(predicted + root.errorMin) - 1;
    let hi = Math.ceil(predicted + root.errorMax) + 1;
    lo = lo < 0 ? 0 : lo >= leafCount ? leafCount - 1 : lo;
    hi = hi < lo ? lo : hi >= leafCount ? leafCount - 1 : hi;
    // The last leaf in [lo, hi] whose boundary is <= x.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (boundaries[mid]! <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  function lowerBound(key: bigint): number {
    // Fast paths for what time series do most: appends and reads of the newest key.
    if (key > lastKey) return n;
    if (key === lastKey) return n - 1;
    const x = Number(key);
    const leaf = route(x);
    const start = starts[leaf]!;
    const end = starts[leaf + 1]!;
    const base = leaf * leafFields;
    const predicted = leaves[base + 1]! + leaves[base + 2]! * (x - leaves[base]!);
    // One position of slack on each side absorbs the rounding of predicted + error; the window
    // is clamped to the leaf, where a key outside the leaf's keys has its lower bound at an edge.
    const from = Math.floor(predicted + leaves[base + 3]!) - 1;
    const to = Math.ceil(predicted + leaves[base + 4]!) + 2;
    let lo = from < start ? start : from > end ? end : from;
    let hi = to > end ? end : to < lo ? lo : to;
    // Binary search on the doubles: the first position whose double is >= x.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xs[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    // The window held the answer iff the double before lo is < x and the one at lo is >= x. The
    // proof above says it always does; this check (one more load) makes a wrong model, whatever
    // its numbers (NaN included: written so that any undefined or NaN comparison fails it), cost
    // a full search and a count in stats(), never a wrong position.
    if (!((lo === 0 || xs[lo - 1]! < x) && xs[lo]! >= x)) {
      modelMisses++;
      lo = firstDoubleAtLeast(xs, x);
    }
    // Below 2^53 in magnitude a double holds an integer exactly, so no other key shares x's double
    // and the first double >= x is the exact lower bound: no bigint comparison on the common path.
    if (lo >= n || xs[lo]! !== x || (x > -exactDoubleLimit && x < exactDoubleLimit)) return lo;
    // Keys sharing x's double (beyond 2^53) are told apart exactly, with bigints.
    return lowerBoundIn(keys, key, lo, tieEnd(xs, x, lo, n));
  }

  return { lowerBound, stats };
}

/**
 * Leaf j holds positions starts[j] .. starts[j + 1]. Leaves are cut greedily where a straight
 * line stops fitting (the shrinking-cone method of FITing-tree): each leaf's keys stay within
 * about rmiLeafErrorTarget positions of one line, so a gap, a cluster or a change of density
 * starts a new leaf instead of widening every window in the old one. Regular data gets few, long
 * leaves (a small leaf table that stays in cache); irregular data gets more where it needs them.
 * A boundary never splits keys that share a double, so routing by double stays unambiguous.
 * The `leaves` option instead cuts equal counts (for tests and experiments).
 */
function leafStarts(xs: Float64Array, wantedLeaves: number | undefined): Int32Array {
  if (wantedLeaves !== undefined) return equalCountStarts(xs, wantedLeaves);
  let errorTarget = rmiLeafErrorTarget;
  for (;;) {
    const starts = coneStarts(xs, errorTarget);
    if (starts.length - 1 <= rmiLeavesMax) return starts;
    errorTarget *= 2;
  }
}

function coneStarts(xs: Float64Array, errorTarget: number): Int32Array {
  const n = xs.length;
  const starts: number[] = [0];
  let origin = 0;
  let slopeLow = Number.NEGATIVE_INFINITY;
  let slopeHigh = Number.POSITIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const dx = xs[i]! - xs[origin]!;
    if (dx === 0) continue;
    const di = i - origin;
    const low = Math.max(slopeLow, (di - errorTarget) / dx);
    const high = Math.min(slopeHigh, (di + errorTarget) / dx);
    if (low <= high) {
      slopeLow = low;
      slopeHigh = high;
      continue;
    }
    let next = i;
    while (next < n && xs[next] === xs[next - 1]) next++;
    if (next >= n) break;
    starts.push(next);
    origin = next;
    i = next;
    slopeLow = Number.NEGATIVE_INFINITY;
    slopeHigh = Number.POSITIVE_INFINITY;
  }
  starts.push(n);
  return Int32Array.from(starts);
}

function equalCountStarts(xs: Float64Array, wanted: number): Int32Array {
  const n = xs.length;
  const leaves = Math.max(1, Math.min(wanted, rmiLeavesMax, n));
  const starts: number[] = [0];
  for (let leaf = 1; leaf < leaves; leaf++) {
    let position = Math.max(Math.round((leaf * n) / leaves), starts[starts.length - 1]! + 1);
    while (position < n && xs[position] === xs[position - 1]) position++;
    if (position >= n) break;
    starts.push(position);
  }
  starts.push(n);
  return Int32Array.from(starts);
}

export interface RootModel {
  readonly xMean: number;
  readonly jMean: number;
  readonly slope: number;
  readonly errorMin: number;
  readonly errorMax: number;
}

/**
 * The root: a least-squares line from a key's double to its leaf number, with the exact error
 * bounds over every leaf's whole span of doubles, so that routing searches only a few boundaries.
 */
function fitRoot(xs: Float64Array, starts: Int32Array, boundaries: Float64Array): RootModel {
  const leafCount = boundaries.length;
  const firstX = (leaf: number): number => xs[starts[leaf]!]!;
  let xSum = 0;
  for (let leaf = 0; leaf < leafCount; leaf++) xSum += firstX(leaf);
  const xMean = xSum / leafCount;
  const jMean = (leafCount - 1) / 2;
  let covariance = 0;
  let variance = 0;
  for (let leaf = 0; leaf < leafCount; leaf++) {
    const dx = firstX(leaf) - xMean;
    covariance += dx * (leaf - jMean);
    variance += dx * dx;
  }
  const slope = variance > 0 && covariance > 0 ? covariance / variance : 0;
  const predict = (x: number): number => jMean + slope * (x - xMean);
  let errorMin = Number.POSITIVE_INFINITY;
  let errorMax = Number.NEGATIVE_INFINITY;
  for (let leaf = 0; leaf < leafCount; leaf++) {
    // Leaf j takes the doubles from its first key up to the next leaf's first (or the last key).
    const low = firstX(leaf);
    const high = leaf + 1 < leafCount ? firstX(leaf + 1) : xs[xs.length - 1]!;
    errorMax = Math.max(errorMax, leaf - predict(low));
    errorMin = Math.min(errorMin, leaf - predict(high));
  }
  return { xMean, jMean, slope, errorMin, errorMax };
}

/** Fits leaf [start, end) by least squares; returns its window width in positions. */
function fitLeaf(xs: Float64Array, start: number, end: number, leaves: Float64Array, base: number): number {
  const count = end - start;
  if (count === 0) return 0;
  let xSum = 0;
  for (let i = start; i < end; i++) xSum += xs[i]!;
  const xMean = xSum / count;
  const pMean = (start + end - 1) / 2;
  let covariance = 0;
  let variance = 0;
  for (let i = start; i < end; i++) {
    const dx = xs[i]! - xMean;
    covariance += dx * (i - pMean);
    variance += dx * dx;
  }
  // Sorted keys give a covariance >= 0; the guard keeps the slope >= 0 under rounding too,
  // which the window proof needs.
  const slope = variance > 0 && covariance > 0 ? covariance / variance : 0;
  let errorMin = Number.POSITIVE_INFINITY;
  let errorMax = Number.NEGATIVE_INFINITY;
  for (let i = start; i < end; i++) {
    const error = i - (pMean + slope * (xs[i]! - xMean));
    if (error < errorMin) errorMin = error;
    if (error > errorMax) errorMax = error;
  }
  leaves[base] = xMean;
  leaves[base + 1] = pMean;
  leaves[base + 2] = slope;
  leaves[base + 3] = errorMin;
  leaves[base + 4] = errorMax;
  return Math.ceil(errorMax) - Math.floor(errorMin) + 4;
}

/** Which 32-bit word of an int64 holds its high half, in the platform's byte order. */
const highWord = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1 ? 1 : 0;
const lowWord = 1 - highWord;

/**
 * Number(key) for every key, from the two 32-bit halves of each int64 instead of one BigInt per
 * key: over 10M keys that is about 70 ms instead of about 260 ms (reading a BigInt64Array element
 * makes a BigInt). Equal to Number(key) exactly: high * 2^32 and low are exact doubles (at most
 * 32 significant bits each), so their sum is the exact integer key rounded once, to nearest with
 * ties to even, which is what Number(bigint) does (the property test compares the two).
 */
export function doublesOfKeys(keys: BigInt64Array): Float64Array {
  const n = keys.length;
  const xs = new Float64Array(n);
  // Views over the keys' own bytes: a key column is often a view into a larger file buffer.
  const signed = new Int32Array(keys.buffer, keys.byteOffset, n * 2);
  const unsigned = new Uint32Array(keys.buffer, keys.byteOffset, n * 2);
  for (let i = 0, word = 0; i < n; i++, word += 2)
    xs[i] = signed[word + highWord]! * 4_294_967_296 + unsigned[word + lowWord]!;
  return xs;
}

/** Whether a model's doubles are those of these keys at each leaf start and at the last key. */
function doublesMatchKeys(keys: BigInt64Array, xs: Float64Array, starts: Int32Array): boolean {
  const n = keys.length;
  if (xs[n - 1] !== Number(keys[n - 1]!)) return false;
  for (let leaf = 0; leaf + 1 < starts.length; leaf++) {
    const position = starts[leaf]!;
    if (!(position < n) || xs[position] !== Number(keys[position]!)) return false;
  }
  return true;
}

/** The first position whose double is >= x, searching all of xs: what a lookup falls back to. */
function firstDoubleAtLeast(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** 2^53: integers strictly inside (-2^53, 2^53) convert to doubles exactly. */
const exactDoubleLimit = 2 ** 53;

/**
 * The end of the run of positions whose double equals x, from lo (which has it). Gallops from lo
 * first: runs of tied doubles are short (at most 2^11 keys share one near 2^63), so searching all
 * of [lo, n) would cost log2(n) steps for nothing.
 */
function tieEnd(xs: Float64Array, x: number, lo: number, n: number): number {
  let low = lo;
  let step = 1;
  while (low + step < n && xs[low + step]! <= x) {
    low += step;
    step *= 2;
  }
  let high = low + step < n ? low + step : n;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (xs[mid]! <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

function emptyIndex(): KeyIndex {
  const stats: KeyIndexStats = {
    kind: 'rmi',
    keys: 0,
    leaves: 0,
    windowMean: 0,
    windowMax: 0,
    bytes: 0,
    modelMisses: 0,
  };
  return { lowerBound: () => 0, stats: () => stats };
}
