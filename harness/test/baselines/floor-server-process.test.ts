import { describe, expect, it } from 'vitest';
import { startFloorProcess } from '../../src/baselines/floor-server-process.ts';

describe('startFloorProcess', () => {
  it('runs the floor server in its own process on loopback, until stopped', async () => {
    const floor = await startFloorProcess();
    expect(floor.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${floor.url}/ready`)).status).toBe(200);
    await floor.stop();
    await expect(fetch(`${floor.url}/ready`)).rejects.toThrow();
    await floor.stop();
  });
});
