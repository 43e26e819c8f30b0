import { afterEach, describe, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { runConformance } from '../../src/conformance/run-conformance.ts';

runConformance('model', () => new ModelAdapter(), { describe, it, afterEach });
