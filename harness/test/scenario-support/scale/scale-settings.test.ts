import { isOmenDbError } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { parseShapes, scaleSettings } from '../../../src/scenario-support/scale/scale-settings.ts';

describe('the scale settings', () => {
  it('parses the shapes in the order given', () => {
    expect(parseShapes('one,many')).toEqual(['one', 'many']);
    expect(parseShapes(' many ')).toEqual(['many']);
  });

  it('refuses unknown, repeated or no shapes as a usage error', () => {
    for (const text of ['', 'one,one', 'one,few', ',']) {
      let code: unknown;
      try {
        parseShapes(text);
      } catch (error) {
        code = isOmenDbError(error, 'OMENDB_ERR_HARNESS_USAGE');
      }
      expect(code, text).toBe(true);
    }
  });

  it('types every parameter', () => {
    const settings = scaleSettings({
      points: 10,
      shapes: 'one',
      manySeries: 2,
      batchPoints: 3,
      writers: 4,
      lookups: 5,
      ranges: 6,
      rangeSpanPoints: 7,
      aggregates: 8,
      bucketWidth: 9,
      ingestIntervalMs: 11,
      readPageLimit: 12,
    });
    expect(settings).toEqual({
      points: 10,
      shapes: ['one'],
      manySeries: 2,
      batchPoints: 3,
      writers: 4,
      lookups: 5,
      ranges: 6,
      rangeSpanPoints: 7,
      aggregates: 8,
      bucketWidth: 9,
      ingestIntervalMs: 11,
      readPageLimit: 12,
    });
  });
});
