/**
 * A batch workload whose every point names its batch, and the set-full check a restored backup
 * must pass: every batch acknowledged before the backup started is there whole, every other batch
 * is there whole or not at all (never torn), and no point appears that no batch wrote. The
 * harness's checkers are not importable from the engine, so this is a small self-contained one.
 */

export const batchPoints = 50;
export const workloadSeries = ['bk.a', 'bk.b', 'bk.c'] as const;

export function seriesOf(batch: number): string {
  return workloadSeries[batch % workloadSeries.length]!;
}

/** The points of batch `batch`: keys batch*batchPoints + j, each value naming its batch and row. */
export function batchOf(batch: number): [bigint, number][] {
  const points: [bigint, number][] = [];
  for (let j = 0; j < batchPoints; j++)
    points.push([BigInt(batch * batchPoints + j), batch * 1000 + j + 0.25]);
  return points;
}

export interface SetFullInput {
  /** Every point of every series the restored database holds. */
  readonly points: ReadonlyMap<string, readonly (readonly [bigint, number])[]>;
  /** Batches acknowledged before the backup started: each must be present whole. */
  readonly acknowledgedBefore: ReadonlySet<number>;
  /** Batches ever submitted are 0 .. submitted-1; anything else was never written. */
  readonly submitted: number;
}

export interface SetFullReport {
  readonly violations: string[];
  /** Batches found whole. */
  readonly whole: number;
}

/** The set-full check; violations are listed, at most a few of each kind. */
export function checkSetFull(input: SetFullInput): SetFullReport {
  const violations: string[] = [];
  const note = (message: string) => {
    if (violations.length < 20) violations.push(message);
  };
  const rows = new Map<number, number>();
  for (const [series, points] of input.points) {
    for (const [key, value] of points) {
      const batch = Number(key / BigInt(batchPoints));
      const row = Number(key % BigInt(batchPoints));
      if (key < 0n || batch >= input.submitted || seriesOf(batch) !== series) {
        note(`point ${series}/${key} was never written`);
        continue;
      }
      if (value !== batch * 1000 + row + 0.25)
        note(`point ${series}/${key} has value ${value}, not the one written`);
      rows.set(batch, (rows.get(batch) ?? 0) + 1);
    }
  }
  let whole = 0;
  for (const [batch, count] of rows) {
    if (count === batchPoints) whole++;
    else note(`batch ${batch} is torn: ${count} of ${batchPoints} points`);
  }
  for (const batch of input.acknowledgedBefore)
    if (rows.get(batch) !== batchPoints) note(`batch ${batch}, acknowledged before the backup, is missing`);
  return { violations, whole };
}

/** Every point of every workload series, read page by page through `range`. */
export async function readAllPoints(reader: {
  range(
    series: string,
    from?: bigint,
    to?: bigint,
    options?: { limit?: number; after?: bigint },
  ): Promise<{
    points: [bigint, number][];
    next: bigint | null;
  }>;
}): Promise<Map<string, [bigint, number][]>> {
  const all = new Map<string, [bigint, number][]>();
  for (const series of workloadSeries) {
    const points: [bigint, number][] = [];
    let after: bigint | undefined;
    for (;;) {
      const page = await reader.range(series, undefined, undefined, {
        limit: 100_000,
        ...(after === undefined ? {} : { after }),
      });
      points.push(...page.points);
      if (page.next === null) break;
      after = page.next;
    }
    all.set(series, points);
  }
  return all;
}
