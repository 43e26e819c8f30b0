import { keyMax, keyMin } from '../storage/keys.ts';

/**
 * The reference model of the crash and model tests (the engine's own and the harness's): a Map of
 * series to a Map of key to value, simple enough to be obviously right. It lives in src (and is
 * exported) so that both use one implementation.
 */

/** A state-changing engine operation, as the tests submit it and as the model applies it. */
export type ModelOp =
  | { kind: 'put'; series: string; points: [bigint, number][] }
  | { kind: 'deleteRange'; series: string; from: bigint; to: bigint }
  | { kind: 'dropSeries'; series: string };

export class MapModel {
  readonly series = new Map<string, Map<bigint, number>>();

  apply(op: ModelOp): void {
    switch (op.kind) {
      case 'put': {
        let points = this.series.get(op.series);
        if (points === undefined) {
          points = new Map();
          this.series.set(op.series, points);
        }
        for (const [key, value] of op.points) points.set(key, value);
        break;
      }
      case 'deleteRange': {
        const points = this.series.get(op.series);
        if (points === undefined) break;
        for (const key of [...points.keys()]) if (key >= op.from && key <= op.to) points.delete(key);
        break;
      }
      case 'dropSeries':
        this.series.delete(op.series);
        break;
    }
  }

  get(series: string, key: bigint): number | undefined {
    return this.series.get(series)?.get(key);
  }

  range(series: string, from = keyMin, to = keyMax): [bigint, number][] {
    const points = [...(this.series.get(series)?.entries() ?? [])].filter(([k]) => k >= from && k <= to);
    return points.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  listSeries(): string[] {
    return [...this.series.entries()]
      .filter(([, points]) => points.size > 0)
      .map(([name]) => name)
      .sort();
  }

  /** A canonical text of the whole state, for comparing with what an engine returns. */
  fingerprint(): string {
    return this.listSeries()
      .map((name) => seriesFingerprint(name, this.range(name)))
      .join('|');
  }
}

function seriesFingerprint(name: string, points: readonly (readonly [bigint, number])[]): string {
  return `${name}:${points.map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/** What engineFingerprint reads: the engine itself, or anything with the same two reads (an adapter). */
export interface FingerprintSource {
  listSeries(): Promise<string[]>;
  range(
    series: string,
    from?: bigint,
    to?: bigint,
    options?: { limit?: number; after?: bigint },
  ): Promise<{ points: readonly (readonly [bigint, number])[]; next: bigint | null }>;
}

/** The same canonical text as MapModel.fingerprint, read through the public read API. */
export async function engineFingerprint(engine: FingerprintSource): Promise<string> {
  const parts: string[] = [];
  for (const name of await engine.listSeries()) {
    const points: (readonly [bigint, number])[] = [];
    let after: bigint | undefined;
    // Each page moves `after` strictly forward through a finite series, so this ends.
    for (;;) {
      const page = await engine.range(name, undefined, undefined, after === undefined ? {} : { after });
      points.push(...page.points);
      if (page.next === null) break;
      after = page.next;
    }
    parts.push(seriesFingerprint(name, points));
  }
  return parts.join('|');
}
