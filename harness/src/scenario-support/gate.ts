/**
 * A gate clients wait at before each operation: closed while the server is being killed and
 * restarted, so that they do not pile up operations that cannot reach it; open otherwise. The
 * kill itself lands while operations are in flight: that is the point.
 */
export class Gate {
  private closed: { promise: Promise<void>; release: () => void } | undefined;

  get isOpen(): boolean {
    return this.closed === undefined;
  }

  close(): void {
    if (this.closed !== undefined) return;
    let release: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.closed = { promise, release };
  }

  open(): void {
    const closed = this.closed;
    this.closed = undefined;
    closed?.release();
  }

  /** Resolves at once when open, else when the gate opens. */
  wait(): Promise<void> {
    return this.closed?.promise ?? Promise.resolve();
  }
}
