import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineBin } from '../../../src/adapters/http/engine-bin.ts';

describe('engineBin', () => {
  it("finds the omendb bin through the engine package's manifest, not a source path", () => {
    const bin = engineBin();
    expect(bin.binPath.endsWith('/bin/omendb.js')).toBe(true);
    expect(existsSync(bin.binPath)).toBe(true);
    const manifest = JSON.parse(readFileSync(`${bin.packageDir}/package.json`, 'utf8')) as {
      name: string;
      version: string;
    };
    expect(manifest.name).toBe('@omendb/engine');
    expect(bin.version).toBe(manifest.version);
    expect(engineBin()).toBe(bin);
  });
});
