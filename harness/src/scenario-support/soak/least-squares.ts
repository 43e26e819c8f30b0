/**
 * Ordinary least squares of y on x: the slope of a straight line through the samples and how
 * much of their variance it explains (R²). The leak verdict reads memory against time with it: a
 * steep slope with a high R² is steady growth; a steep slope with a low R² is noise (a GC
 * sawtooth, a compaction) that a line does not describe.
 */

export interface LineFit {
  readonly n: number;
  readonly slope: number;
  readonly intercept: number;
  /** 1 - residual / total sum of squares; 0 when y does not vary (a flat line explains nothing to explain). */
  readonly r2: number;
}

/** Null with fewer than two samples or when every x is the same: no line is determined. */
export function leastSquares(xs: readonly number[], ys: readonly number[]): LineFit | null {
  if (xs.length !== ys.length)
    throw new Error(`OmenDB harness invariant violated: ${xs.length} x values for ${ys.length} y values`);
  const n = xs.length;
  if (n < 2) return null;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumX += xs[i] as number;
    sumY += ys[i] as number;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  // Centred sums: no cancellation when x is hours since the start and y is bytes.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - meanX;
    const dy = (ys[i] as number) - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const r2 = syy === 0 ? 0 : Math.min(1, (sxy * sxy) / (sxx * syy));
  return { n, slope, intercept, r2 };
}
