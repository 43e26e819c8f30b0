import { afterEach, describe, it } from 'vitest';
import { EmbeddedAdapter } from '../../src/adapters/embedded/adapter.ts';
import { runConformance } from '../../src/conformance/run-conformance.ts';

// On the real file system (fsync per commit), as a user runs it.
runConformance('embedded', () => new EmbeddedAdapter(), { describe, it, afterEach });
// Over the simulated file system, which adds the power-loss case; small memtables make the
// engine flush and compact often, so reads cross segments too.
runConformance(
  'embedded-simulated',
  () => new EmbeddedAdapter({ simulated: true, memtableBytesMax: 4_096, compactionSegmentsTrigger: 2 }),
  { describe, it, afterEach },
);
