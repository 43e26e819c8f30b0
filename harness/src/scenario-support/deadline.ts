import { OmenDbError } from '@omendb/engine';

/**
 * The operation's promise, or OMENDB_ERR_HARNESS_UNAVAILABLE (an unknown outcome) when no answer
 * came within `ms`: a client stops waiting on a paused server as a real one would. The operation
 * may still take effect later, which the checkers allow for an unknown outcome.
 */
export function withDeadline<T>(operation: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', `no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([operation, expired]).finally(() => clearTimeout(timer));
}
