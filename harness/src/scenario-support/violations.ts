import { durabilityExamplesMax } from '../limits.ts';

/** Violations of a durability scenario: complete counts by kind, and the first few as examples. */
export class ViolationTally {
  private readonly counts = new Map<string, number>();
  private readonly kept: string[] = [];

  add(kind: string, detail: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.kept.length < durabilityExamplesMax) this.kept.push(`${kind}: ${detail}`);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  /** Counts by kind, every kind in `kinds` present (0 when it never happened). */
  byKind(kinds: readonly string[] = []): Record<string, number> {
    const result: Record<string, number> = {};
    for (const kind of kinds) result[kind] = 0;
    for (const [kind, count] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) result[kind] = count;
    return result;
  }

  examples(): readonly string[] {
    return this.kept;
  }
}

/** Counts by name, for metrics such as damages by kind or error codes seen. */
export class Counter {
  private readonly counts = new Map<string, number>();

  add(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
