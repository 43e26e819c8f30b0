/**
 * The running state of one aggregate (a whole range or one bucket). The sum is compensated
 * (Neumaier's variant of Kahan summation): `sum` is the plain running sum and `compensation`
 * collects the rounding error of every addition exactly (each error is itself a float64, found
 * by the two-sum trick), so `sum + compensation` is within about 2 ulp-of-1 times the sum of
 * absolute values of the exact sum, whatever the order and magnitudes of the inputs: far
 * inside the 1e-12 relative bound the tests hold it to. Plain summation of a million values can
 * lose that much in the sixth digit when large values cancel.
 *
 * Points are added in key order, so the first value added is the value at the smallest key and
 * the last one the value at the largest.
 */
export class Accumulator {
  count = 0;
  sum = 0;
  compensation = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  first = Number.NaN;
  last = Number.NaN;

  /** Counts positions [start, end) of a value column and records its first and last value. */
  addEnds(values: Float64Array, start: number, end: number): void {
    if (this.count === 0) this.first = values[start]!;
    this.last = values[end - 1]!;
    this.count += end - start;
  }

  /** Folds positions [start, end) into sum, min and max (addEnds counts them). */
  addValues(values: Float64Array, start: number, end: number): void {
    // Locals rather than fields inside the loop: V8 keeps them in registers.
    let sum = this.sum;
    let compensation = this.compensation;
    let min = this.min;
    let max = this.max;
    for (let i = start; i < end; i++) {
      const x = values[i]!;
      const t = sum + x;
      compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
      sum = t;
      // Math.min/max rather than < and >: they order -0 below +0, as a naive reference does.
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    this.sum = sum;
    this.compensation = compensation;
    this.min = min;
    this.max = max;
  }

  /** Folds in a block already summed: its compensated sum parts, min and max. */
  addSummary(sum: number, compensation: number, min: number, max: number): void {
    const t = this.sum + sum;
    this.compensation += Math.abs(this.sum) >= Math.abs(sum) ? this.sum - t + sum : sum - t + this.sum;
    this.compensation += compensation;
    this.sum = t;
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
  }

  /**
   * The compensated sum. Once the running sum overflows to ±Infinity the compensation is
   * meaningless (Infinity - Infinity), so the overflowed sum is the answer.
   */
  total(): number {
    return Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum;
  }
}
