import { describe, expect, it } from 'vitest';
import { Gate } from '../../src/scenario-support/gate.ts';

describe('gate', () => {
  it('lets waiters through when open and holds them while closed', async () => {
    const gate = new Gate();
    expect(gate.isOpen).toBe(true);
    await gate.wait();
    gate.close();
    gate.close();
    expect(gate.isOpen).toBe(false);
    let passed = false;
    const waiting = gate.wait().then(() => {
      passed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(passed).toBe(false);
    gate.open();
    await waiting;
    expect(passed).toBe(true);
    gate.open();
    expect(gate.isOpen).toBe(true);
  });
});
