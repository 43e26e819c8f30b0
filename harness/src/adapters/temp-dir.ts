import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory an adapter makes at open (when given no directory) and removes at close. */
export class MadeDir {
  private made: string | undefined;

  constructor(private readonly prefix: string) {}

  /** The directory, or undefined while it does not exist. */
  get path(): string | undefined {
    return this.made;
  }

  async make(): Promise<void> {
    this.made = await mkdtemp(join(tmpdir(), this.prefix));
  }

  /** Removes the directory if one was made; a no-op otherwise. */
  async remove(): Promise<void> {
    if (this.made === undefined) return;
    const dir = this.made;
    this.made = undefined;
    await rm(dir, { recursive: true, force: true });
  }
}
