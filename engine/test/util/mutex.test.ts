import { describe, expect, it } from 'vitest';
import { Mutex, yieldToEventLoop } from '../../src/util/mutex.ts';

function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Mutex', () => {
  it('runs sections one at a time, in call order', async () => {
    const mutex = new Mutex();
    const events: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const section = (name: string, ticks: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`start ${name}`);
      for (let i = 0; i < ticks; i++) await yieldToEventLoop();
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      mutex.run(section('a', 3)),
      mutex.run(section('b', 1)),
      mutex.run(section('c', 0)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(maxRunning).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('does not start a section before the previous one settles', async () => {
    const mutex = new Mutex();
    const gate = deferred();
    let secondStarted = false;
    const first = mutex.run(() => gate.promise);
    const second = mutex.run(async () => {
      secondStarted = true;
    });
    for (let i = 0; i < 5; i++) await yieldToEventLoop();
    expect(secondStarted).toBe(false);
    gate.resolve();
    await first;
    await second;
    expect(secondStarted).toBe(true);
  });

  it('passes a rejection to its caller and runs the next section anyway', async () => {
    const mutex = new Mutex();
    const failure = new Error('section failed');
    const first = mutex.run(async () => {
      throw failure;
    });
    const second = mutex.run(async () => 'ran');
    await expect(first).rejects.toBe(failure);
    await expect(second).resolves.toBe('ran');
    expect(mutex.locked).toBe(false);
  });

  it('runs the next section after a synchronous throw', async () => {
    const mutex = new Mutex();
    const first = mutex.run((() => {
      throw new Error('sync');
    }) as () => Promise<void>);
    await expect(first).rejects.toThrow('sync');
    await expect(mutex.run(async () => 1)).resolves.toBe(1);
  });

  it('is locked while a section runs or waits, and unlocked once all settle', async () => {
    const mutex = new Mutex();
    expect(mutex.locked).toBe(false);
    const gate = deferred();
    const first = mutex.run(() => gate.promise);
    expect(mutex.locked).toBe(true);
    const second = mutex.run(async () => undefined);
    gate.resolve();
    await first;
    expect(mutex.locked).toBe(true);
    await second;
    expect(mutex.locked).toBe(false);
    const failing = mutex.run(async () => {
      throw new Error('x');
    });
    expect(mutex.locked).toBe(true);
    await failing.catch(() => undefined);
    expect(mutex.locked).toBe(false);
  });
});

describe('yieldToEventLoop', () => {
  it('lets an already queued macrotask run first', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('immediate'));
    await yieldToEventLoop();
    order.push('after yield');
    expect(order).toEqual(['immediate', 'after yield']);
  });
});
