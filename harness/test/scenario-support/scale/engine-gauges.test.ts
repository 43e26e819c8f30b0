import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import {
  engineGauges,
  pointsWrittenMetric,
  recoveryReplayedMetric,
} from '../../../src/scenario-support/scale/engine-gauges.ts';
import { MetricsModel } from './scale-fakes.ts';

describe("the engine's own gauges", () => {
  it('are null for an adapter without metrics', async () => {
    const model = new ModelAdapter();
    await model.open();
    expect(await engineGauges(model)).toBeNull();
  });

  it('are read from the Prometheus text of an adapter with metrics', async () => {
    const engine = new MetricsModel();
    await engine.open();
    await engine.write('s', [[1n, 1]]);
    await engine.restart();
    const gauges = await engineGauges(engine);
    expect(gauges?.get(pointsWrittenMetric)).toBe(1);
    expect(gauges?.get(recoveryReplayedMetric)).toBe(7);
  });
});
