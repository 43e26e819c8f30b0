import { describe, expect, it } from 'vitest';
import { embeddedDefaults, resolveEmbeddedOptions } from '../../../src/adapters/embedded/options.ts';

describe('resolveEmbeddedOptions', () => {
  it('applies the defaults: sync commit on the real file system', () => {
    expect(resolveEmbeddedOptions({})).toEqual({ sync: 'commit', simulated: false });
    expect(embeddedDefaults).toEqual({ sync: 'commit', simulated: false });
  });

  it('keeps what is given, pass-through engine options included', () => {
    const options = {
      dir: '/x',
      sync: 'none',
      simulated: true,
      memtableBytesMax: 10,
      compactionSegmentsTrigger: 3,
      autoMaintenance: false,
    } as const;
    expect(resolveEmbeddedOptions(options)).toEqual(options);
  });
});
