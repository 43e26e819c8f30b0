import { scaleWritersMax } from '../../limits.ts';

/**
 * Runs `workers` copies of a loop at once and waits for all of them. When one fails, the others
 * see `stopped()` turn true and end at their next step (none keeps writing into an engine the run
 * is about to close); the first failure is then thrown.
 */
export async function runWorkers(
  workers: number,
  loop: (stopped: () => boolean) => Promise<void>,
): Promise<void> {
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > scaleWritersMax)
    throw new Error(`OmenDB harness invariant violated: ${workers} workers, not 1..${scaleWritersMax}`);
  let failed = false;
  const stopped = () => failed;
  const outcomes = await Promise.allSettled(
    Array.from({ length: workers }, () =>
      loop(stopped).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
