import { scaleExamplesMax } from '../../limits.ts';

/** Queries of one kind checked against the generator: how many, how many wrong, a few examples. */
export interface QueryTallyJson {
  readonly checked: number;
  readonly mismatches: number;
  readonly examples: readonly string[];
}

export class QueryTally {
  private checkedCount = 0;
  private mismatchCount = 0;
  private readonly exampleList: string[] = [];

  get checked(): number {
    return this.checkedCount;
  }

  get mismatches(): number {
    return this.mismatchCount;
  }

  /** One query checked; `problem` says what was wrong with its answer, undefined when it was right. */
  record(problem: string | undefined): void {
    this.checkedCount++;
    if (problem === undefined) return;
    this.mismatchCount++;
    if (this.exampleList.length < scaleExamplesMax) this.exampleList.push(problem);
  }

  toJSON(): QueryTallyJson {
    return { checked: this.checkedCount, mismatches: this.mismatchCount, examples: [...this.exampleList] };
  }
}
