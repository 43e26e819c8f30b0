import { assert } from '../errors.ts';
import { createBinarySearchIndex } from './binary-search-index.ts';
import type { KeyIndex, KeyIndexFactory, KeyIndexKind } from './key-index.ts';
import { lazyKeyIndex } from './lazy-key-index.ts';
import { buildRmiModel, createRmiIndex, type RmiModel, rmiIndexFromModel } from './rmi-index.ts';

/**
 * The indexes an engine can be opened with (option `index`); 'rmi' is the default. The engine
 * indexes the segments it opens with these, so the RMI is built on the first lookup of each run
 * (lazyKeyIndex): open costs the same with either index. Runs large enough for the segment worker
 * get their model from it instead (deferredKeyIndex, storage/index-model-requests.ts). Flushes and compactions pass models
 * built in the segment worker instead (keyIndexFromModel), which are ready at once.
 */
export const keyIndexFactories: Readonly<Record<KeyIndexKind, KeyIndexFactory>> = {
  rmi: (keys) => lazyKeyIndex('rmi', keys, () => createRmiIndex(keys)),
  binary: createBinarySearchIndex,
};

export const keyIndexKinds = Object.keys(keyIndexFactories) as KeyIndexKind[];

/**
 * What an index holds besides the key column, as plain data: built where the CPU time is cheap
 * (the segment worker thread), handed over as transferables, then wrapped by keyIndexFromModel in
 * O(1) on the thread that serves lookups. Binary search holds nothing.
 */
export type KeyIndexModel = { readonly kind: 'rmi'; readonly rmi: RmiModel } | { readonly kind: 'binary' };

export function buildKeyIndexModel(kind: KeyIndexKind, keys: BigInt64Array): KeyIndexModel {
  return kind === 'rmi' ? { kind, rmi: buildRmiModel(keys) } : { kind };
}

export function keyIndexFromModel(keys: BigInt64Array, model: KeyIndexModel): KeyIndex {
  assert(model.kind === 'rmi' || model.kind === 'binary', 'unknown key index model');
  return model.kind === 'rmi' ? rmiIndexFromModel(keys, model.rmi) : createBinarySearchIndex(keys);
}

/** The typed-array buffers of a model, for a postMessage transfer list. */
export function keyIndexModelBuffers(model: KeyIndexModel): ArrayBufferLike[] {
  if (model.kind !== 'rmi') return [];
  const { xs, starts, boundaries, leaves } = model.rmi;
  return [xs.buffer, starts.buffer, boundaries.buffer, leaves.buffer];
}
