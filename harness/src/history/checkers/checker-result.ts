import { checkerExamplesMax } from '../../limits.ts';
import type { Check } from '../../runner/scenario.ts';

/**
 * What every checker returns: complete counts (they go into the result's metrics), the names of
 * the counts that must be zero (each becomes a named check), and a few example violations so a
 * failing run can be debugged from its result file alone.
 */

export interface ViolationExample {
  /** The count it adds to, e.g. 'lost'. */
  readonly kind: string;
  readonly series: string;
  /** The key as a decimal string, when the violation is about one key. */
  readonly key?: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface CheckerResult {
  /** e.g. 'set-full'. */
  readonly checker: string;
  readonly counts: Readonly<Record<string, number>>;
  /** The counts that are violations: each must be 0 for the checker to pass. */
  readonly mustBeZero: readonly string[];
  readonly examples: readonly ViolationExample[];
  readonly pass: boolean;
}

export interface CheckerOptions {
  /** Examples kept (default checkerExamplesMax). */
  readonly examplesMax?: number;
}

/** One named check per violation count: `set-full.lost` with value and threshold '== 0'. */
export function checkerChecks(result: CheckerResult): Check[] {
  return result.mustBeZero.map((name) => {
    const value = result.counts[name] ?? 0;
    return { name: `${result.checker}.${name}`, pass: value === 0, value, threshold: '== 0' };
  });
}

/** Counts and examples for the collector of one checker. */
export class ViolationTally<K extends string> {
  readonly counts: Record<K | 'checked', number>;
  readonly examples: ViolationExample[] = [];
  private readonly examplesMax: number;

  constructor(
    private readonly checker: string,
    private readonly kinds: readonly K[],
    options: CheckerOptions = {},
    extraCounts: readonly string[] = [],
  ) {
    this.examplesMax = options.examplesMax ?? checkerExamplesMax;
    this.counts = { checked: 0 } as Record<K | 'checked', number>;
    for (const kind of [...kinds, ...extraCounts]) (this.counts as Record<string, number>)[kind] = 0;
  }

  checked(): void {
    this.counts.checked += 1;
  }

  add(kind: K, series: string, key: bigint | undefined, detail: Record<string, unknown>): void {
    this.counts[kind] += 1;
    if (this.examples.length >= this.examplesMax) return;
    this.examples.push(
      key === undefined ? { kind, series, detail } : { kind, series, key: key.toString(), detail },
    );
  }

  count(name: string, by = 1): void {
    (this.counts as Record<string, number>)[name] = ((this.counts as Record<string, number>)[name] ?? 0) + by;
  }

  result(): CheckerResult {
    const pass = this.kinds.every((kind) => this.counts[kind] === 0);
    return {
      checker: this.checker,
      counts: { ...this.counts },
      mustBeZero: this.kinds,
      examples: this.examples,
      pass,
    };
  }
}
