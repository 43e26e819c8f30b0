/** Runs async critical sections one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private held = 0;

  get locked(): boolean {
    return this.held > 0;
  }

  run<T>(section: () => Promise<T>): Promise<T> {
    this.held++;
    const result = this.tail.then(section);
    this.tail = result.then(
      () => {
        this.held--;
      },
      () => {
        this.held--;
      },
    );
    return result;
  }
}

/** Lets timers and I/O callbacks run between slices of CPU-heavy work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
