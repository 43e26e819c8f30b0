export interface SqliteAdapterOptions {
  /**
   * The directory of the database file. Absent: the adapter makes a temporary directory at
   * open() and removes it at close(), so the data lives from open() to close() (restart() keeps it).
   */
  readonly dir?: string;
  /** The database file's name inside `dir`. */
  readonly fileName?: string;
  /** PRAGMA synchronous: 'FULL' fsyncs the WAL at every commit, as OmenDB's sync 'commit' does. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

export const sqliteDefaults = {
  fileName: 'omendb-harness.sqlite',
  synchronous: 'FULL',
} as const satisfies SqliteAdapterOptions;
