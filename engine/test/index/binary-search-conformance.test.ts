import { describe } from 'vitest';
import { createBinarySearchIndex } from '../../src/index/binary-search-index.ts';
import { keyIndexConformance } from './key-index-conformance.ts';

describe('binary search index: conformance', () => {
  keyIndexConformance('binary', createBinarySearchIndex);
});
