import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { serveSegmentJobs } from '../../src/storage/segment-worker.ts';
import type { SegmentJobReply } from '../../src/storage/segment-worker-protocol.ts';

/**
 * The segment worker's serving side on a channel in this thread: post jobs on `port`, and
 * `replies(n)` resolves with the first n replies in the order they came. Close `port` when done.
 */
export function servedSegmentJobs(): {
  port: MessagePort;
  replies(count: number): Promise<SegmentJobReply[]>;
} {
  const { port1, port2 } = new MessageChannel();
  serveSegmentJobs(port2);
  const received: SegmentJobReply[] = [];
  const waiters: { count: number; resolve: (replies: SegmentJobReply[]) => void }[] = [];
  port1.on('message', (reply: SegmentJobReply) => {
    received.push(reply);
    for (const waiter of waiters.filter((w) => received.length >= w.count))
      waiter.resolve(received.slice(0, waiter.count));
  });
  return {
    port: port1,
    replies: (count) =>
      received.length >= count
        ? Promise.resolve(received.slice(0, count))
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}
