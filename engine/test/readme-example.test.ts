import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it, vi } from 'vitest';

/** The README's embedded-API example must run as written (only its data directory is swapped for a temp one). */
describe('README example', () => {
  it('runs and reads back what it wrote', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from '@omendb/engine'");
    const dir = await mkdtemp(`${tmpdir()}/omendb-readme-`);
    const file = new URL(`./readme-example.generated.ts`, import.meta.url);
    const body = example!
      .replace("'/var/lib/omendb'", JSON.stringify(`${dir}/data`))
      .replace(/^(await db\.get\(.*\);)/m, 'globalThis.readmeGet = $1')
      .replace(/^(const page = .*)$/m, '$1\nglobalThis.readmePage = page;');
    try {
      await writeFile(file, `${body}\nexport {};\n`);
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      await import(file.href);
      log.mockRestore();
      const scope = globalThis as unknown as {
        readmeGet: number;
        readmePage: { points: unknown[]; next: unknown };
      };
      expect(scope.readmeGet).toBe(0.25);
      expect(scope.readmePage.points).toEqual([
        [1_700_000_000_000n, 0.25],
        [1_700_000_001_000n, 0.5],
      ]);
      expect(scope.readmePage.next).toBeNull();
    } finally {
      await rm(file, { force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
