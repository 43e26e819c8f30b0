import { afterEach, describe, it } from 'vitest';
import { SqliteAdapter } from '../../src/adapters/sqlite/adapter.ts';
import { runConformance } from '../../src/conformance/run-conformance.ts';

runConformance('sqlite', () => new SqliteAdapter(), { describe, it, afterEach });
