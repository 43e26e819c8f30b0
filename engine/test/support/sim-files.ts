import { readdir, readFile } from 'node:fs/promises';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';

/** Every file under a real directory, by path relative to it ('wal/wal-....log', 'MANIFEST', ...). */
export async function readTree(root: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = `${entry.parentPath}/${entry.name}`;
    files.set(full.slice(root.length + 1), new Uint8Array(await readFile(full)));
  }
  return files;
}

/** A simulated file system holding the given files durably under `dir`. */
export async function simWithFiles(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<SimFileSystem> {
  const fs = new SimFileSystem();
  for (const sub of ['', '/wal', '/segments']) await fs.mkdir(`${dir}${sub}`);
  for (const [relative, bytes] of files) {
    if (relative === 'LOCK') continue;
    const handle = await fs.open(`${dir}/${relative}`, 'create-exclusive');
    await handle.write(0, bytes);
    await handle.sync();
    await handle.close();
  }
  for (const sub of ['', '/wal', '/segments']) await fs.syncDir(`${dir}${sub}`);
  return fs;
}
