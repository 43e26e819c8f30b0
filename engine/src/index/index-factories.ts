import { createBinarySearchIndex } from './binary-search-index.ts';
import type { KeyIndexFactory, KeyIndexKind } from './key-index.ts';
import { createRmiIndex } from './rmi-index.ts';

/** The indexes an engine can be opened with (option `index`); 'rmi' is the default. */
export const keyIndexFactories: Readonly<Record<KeyIndexKind, KeyIndexFactory>> = {
  rmi: (keys) => createRmiIndex(keys),
  binary: createBinarySearchIndex,
};

export const keyIndexKinds = Object.keys(keyIndexFactories) as KeyIndexKind[];
