import type { Scenario } from '@omendb/harness';
import { canary } from './canary.ts';
import { corruption } from './corruption.ts';
import { crashKill } from './crash-kill.ts';
import { crashPowerLoss } from './crash-power-loss.ts';
import { propertyModel } from './property-model.ts';
import { scale } from './scale.ts';
import { security } from './security.ts';
import { soak } from './soak.ts';

/**
 * The scenario registry: every scenario `omendb-harness run` and `list` know, by name. A new
 * scenario is a module in this directory, imported and listed here.
 */
export const scenarios: readonly Scenario[] = [
  propertyModel,
  crashKill,
  crashPowerLoss,
  corruption,
  security,
  canary,
  scale,
  soak,
];
