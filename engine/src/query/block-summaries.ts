import { assert } from '../errors.ts';
import { Accumulator } from './accumulator.ts';

/**
 * Precomputed aggregates of a sealed series run, one entry per block of `blockPoints` rows
 * (the last block may be shorter): the compensated sum as its two parts, min and max. A block's
 * count is implicit (blockPoints, or what is left for the last one) and its first and last
 * values are the run's own values at the block edges, so neither is stored: 32 bytes per block.
 */
export interface BlockSummaries {
  readonly blockPoints: number;
  readonly sums: Float64Array;
  readonly compensations: Float64Array;
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
}

export function buildBlockSummaries(values: Float64Array, blockPoints: number): BlockSummaries {
  assert(Number.isSafeInteger(blockPoints) && blockPoints >= 1, 'block size must be a positive integer');
  const blocks = Math.ceil(values.length / blockPoints);
  const summaries: BlockSummaries = {
    blockPoints,
    sums: new Float64Array(blocks),
    compensations: new Float64Array(blocks),
    mins: new Float64Array(blocks),
    maxs: new Float64Array(blocks),
  };
  for (let block = 0; block < blocks; block++) {
    const accumulator = new Accumulator();
    const start = block * blockPoints;
    accumulator.addValues(values, start, Math.min(values.length, start + blockPoints));
    summaries.sums[block] = accumulator.sum;
    summaries.compensations[block] = accumulator.compensation;
    summaries.mins[block] = accumulator.min;
    summaries.maxs[block] = accumulator.max;
  }
  return summaries;
}
