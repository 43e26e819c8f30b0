import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { manifestBytesMax } from '../../src/limits.ts';
import {
  decodeManifest,
  emptyManifest,
  encodeManifest,
  type Manifest,
  manifestFileName,
  manifestFormatVersion,
  readManifest,
  segmentFileName,
  segmentFilePattern,
  writeFileAtomic,
  writeManifest,
} from '../../src/storage/manifest.ts';
import { errno } from '../support/codes.ts';
import { seededPrng } from '../support/seeds.ts';

const dir = '/db';

const sample: Manifest = {
  checkpointSeq: 18446744073709551615n,
  nextSegmentId: 12,
  segments: [
    { id: 3, file: segmentFileName(3), bytes: 1234, crc32: 4294967295, points: 100 },
    { id: 11, file: segmentFileName(11), bytes: 0, crc32: 0, points: 0 },
  ],
};

const encoder = new TextEncoder();

/** A manifest file with a correct header around an arbitrary body. */
function withBody(body: string, version = manifestFormatVersion): Uint8Array {
  const bodyBytes = encoder.encode(body);
  const header = encoder.encode(`OMENDB-MANIFEST ${version} ${crc32(bodyBytes)} ${bodyBytes.length}\n`);
  const bytes = new Uint8Array(header.length + bodyBytes.length);
  bytes.set(header);
  bytes.set(bodyBytes, header.length);
  return bytes;
}

function decodeError(bytes: Uint8Array): { code: string | undefined; details: unknown } {
  try {
    decodeManifest(bytes, '/db/MANIFEST');
  } catch (error) {
    if (!isOmenDbError(error)) throw error;
    return { code: error.code, details: error.details };
  }
  throw new Error('decodeManifest accepted the bytes');
}

const corruptCode = 'OMENDB_ERR_MANIFEST_CORRUPT';

describe('segment file names', () => {
  it('pad the id to 16 digits and match the pattern', () => {
    expect(segmentFileName(1)).toBe('seg-0000000000000001.arrow');
    expect(segmentFilePattern.test(segmentFileName(123456))).toBe(true);
    expect(segmentFilePattern.test('seg-1.arrow')).toBe(false);
    expect(segmentFilePattern.test(`${segmentFileName(1)}.tmp`)).toBe(false);
  });
});

describe('encodeManifest / decodeManifest', () => {
  it('rejects a CRC-valid body of JSON null with OMENDB_ERR_MANIFEST_CORRUPT', () => {
    const body = new TextEncoder().encode('null');
    const bytes = new TextEncoder().encode(`OMENDB-MANIFEST 1 ${crc32(body)} ${body.length}\nnull`);
    expect(() => decodeManifest(bytes, 'MANIFEST')).toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_MANIFEST_CORRUPT' }),
    );
  });

  it('round-trips', () => {
    expect(decodeManifest(encodeManifest(sample), 'm')).toEqual(sample);
    expect(decodeManifest(encodeManifest(emptyManifest), 'm')).toEqual(emptyManifest);
  });

  it('writes a header line with version, checksum and body length', () => {
    const bytes = encodeManifest(sample);
    const text = new TextDecoder().decode(bytes);
    const newline = text.indexOf('\n');
    const body = bytes.subarray(newline + 1);
    expect(text.slice(0, newline)).toBe(`OMENDB-MANIFEST 1 ${crc32(body)} ${body.length}`);
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({
      checkpointSeq: '18446744073709551615',
      nextSegmentId: 12,
      segments: sample.segments,
    });
  });

  it('rejects a bad header line', () => {
    const good = encodeManifest(sample);
    const text = new TextDecoder().decode(good);
    const cases = [
      new Uint8Array(0),
      encoder.encode('OMENDB-MANIFEST 1 2 3'),
      encoder.encode(text.replace('OMENDB-MANIFEST', 'OMENDB-MANIFESX')),
      encoder.encode(text.replace('OMENDB-MANIFEST 1 ', 'OMENDB-MANIFEST x ')),
      encoder.encode(text.replace('OMENDB-MANIFEST 1 ', 'OMENDB-MANIFEST -1 ')),
      encoder.encode(text.replace('\n', ' \n')),
      encoder.encode(` ${text}`),
      encoder.encode(text.replace('\n', '\r\n')),
      encoder.encode(text.replace('\n', '')),
    ];
    for (const bytes of cases) {
      expect(decodeError(bytes)).toEqual({
        code: corruptCode,
        details: { file: '/db/MANIFEST', reason: 'bad header line' },
      });
    }
  });

  it('rejects a checksum mismatch, including any flipped bit of the body', () => {
    const good = encodeManifest(sample);
    const bodyStart = good.indexOf(10) + 1;
    for (let byte = bodyStart; byte < good.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = good.slice();
        damaged[byte]! ^= 1 << bit;
        expect(decodeError(damaged).code, `byte ${byte} bit ${bit}`).toBe(corruptCode);
      }
    }
    const text = new TextDecoder().decode(good);
    const crc = /^OMENDB-MANIFEST 1 (\d+) /.exec(text)![1]!;
    const wrongCrc = encoder.encode(text.replace(` ${crc} `, ` ${(Number(crc) + 1) % 2 ** 32} `));
    expect(decodeError(wrongCrc).details).toMatchObject({ reason: 'checksum mismatch' });
  });

  it('rejects a body whose length differs from the header', () => {
    const good = encodeManifest(sample);
    expect(decodeError(good.subarray(0, good.length - 1)).details).toMatchObject({
      reason: 'body length mismatch',
    });
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    longer[good.length] = 32;
    expect(decodeError(longer).details).toMatchObject({ reason: 'body length mismatch' });
  });

  it('rejects a file larger than manifestBytesMax', () => {
    const huge = new Uint8Array(manifestBytesMax + 1);
    huge.set(encodeManifest(sample));
    expect(decodeError(huge)).toEqual({
      code: corruptCode,
      details: { file: '/db/MANIFEST', reason: 'larger than manifestBytesMax' },
    });
  });

  it('rejects a body that is not JSON', () => {
    for (const body of ['', '{', 'not json', '{"checkpointSeq":"1",}']) {
      expect(decodeError(withBody(body)).details).toMatchObject({ reason: 'body is not JSON' });
    }
  });

  it('rejects a bad checkpointSeq', () => {
    for (const checkpointSeq of [1, '-1', '1.5', '', ' 1', '0x10', null]) {
      const body = JSON.stringify({ checkpointSeq, nextSegmentId: 1, segments: [] });
      expect(decodeError(withBody(body)), String(checkpointSeq)).toMatchObject({
        code: corruptCode,
        details: { reason: 'bad checkpointSeq' },
      });
    }
    for (const body of ['{}', '[]']) {
      expect(decodeError(withBody(body)).details).toMatchObject({ reason: 'bad checkpointSeq' });
    }
    for (const body of ['1', '"x"', 'null']) {
      expect(decodeError(withBody(body))).toMatchObject({
        code: corruptCode,
        details: { reason: 'body is not an object' },
      });
    }
  });

  it('rejects bad fields', () => {
    for (const fields of [
      { nextSegmentId: '1', segments: [] },
      { nextSegmentId: 1.5, segments: [] },
      { nextSegmentId: 2 ** 53, segments: [] },
      { segments: [] },
      { nextSegmentId: 1, segments: {} },
      { nextSegmentId: 1 },
    ]) {
      const body = JSON.stringify({ checkpointSeq: '0', ...fields });
      expect(decodeError(withBody(body)), JSON.stringify(fields)).toMatchObject({
        code: corruptCode,
        details: { reason: 'bad fields' },
      });
    }
  });

  it('rejects a bad segment entry', () => {
    const good = { id: 3, file: segmentFileName(3), bytes: 10, crc32: 5, points: 2 };
    expect(
      decodeManifest(
        withBody(JSON.stringify({ checkpointSeq: '0', nextSegmentId: 4, segments: [good] })),
        'm',
      ).segments,
    ).toEqual([good]);
    const bad: unknown[] = [
      null,
      7,
      'seg',
      { ...good, id: '3' },
      { ...good, id: 1.5 },
      { ...good, id: 4 },
      { ...good, id: 4, file: segmentFileName(4) },
      { ...good, id: 9, file: segmentFileName(9) },
      { ...good, id: 5 },
      { ...good, file: segmentFileName(4) },
      { ...good, file: `../${segmentFileName(3)}` },
      { ...good, bytes: -0.5 },
      { ...good, bytes: '10' },
      { ...good, crc32: null },
      { ...good, points: 2 ** 60 },
      { id: 3, file: segmentFileName(3), bytes: 10, crc32: 5 },
    ];
    for (const segment of bad) {
      const body = JSON.stringify({ checkpointSeq: '0', nextSegmentId: 4, segments: [good, segment] });
      expect(decodeError(withBody(body)), JSON.stringify(segment)).toMatchObject({
        code: corruptCode,
        details: { reason: 'bad segment entry' },
      });
    }
  });

  it('refuses another format version with OMENDB_ERR_VERSION_UNSUPPORTED', () => {
    const body = JSON.stringify({ checkpointSeq: '0', nextSegmentId: 1, segments: [] });
    for (const version of [0, 2, 10]) {
      expect(decodeError(withBody(body, version))).toEqual({
        code: 'OMENDB_ERR_VERSION_UNSUPPORTED',
        details: { file: '/db/MANIFEST' },
      });
    }
  });
});

describe('readManifest / writeManifest', () => {
  async function newFs(): Promise<SimFileSystem> {
    const fs = new SimFileSystem();
    await fs.mkdir(dir);
    return fs;
  }

  it('reads undefined when there is no manifest', async () => {
    const fs = await newFs();
    expect(await readManifest(fs, dir)).toBeUndefined();
  });

  it('writes a manifest that survives the unluckiest crash', async () => {
    const fs = await newFs();
    await writeManifest(fs, dir, sample);
    expect(await readManifest(fs, dir)).toEqual(sample);
    const after = fs.crashLosingAll();
    expect(await readManifest(after, dir)).toEqual(sample);
    expect(await after.list(dir)).toEqual([manifestFileName]);
  });

  it('replaces the previous manifest', async () => {
    const fs = await newFs();
    await writeManifest(fs, dir, emptyManifest);
    await writeManifest(fs, dir, sample);
    expect(await readManifest(fs, dir)).toEqual(sample);
    expect(await readManifest(fs.crashLosingAll(), dir)).toEqual(sample);
  });

  it('replaces a leftover MANIFEST.tmp', async () => {
    const fs = await newFs();
    await writeManifest(fs, dir, emptyManifest);
    const leftover = await fs.open(`${dir}/MANIFEST.tmp`, 'create-exclusive');
    await leftover.write(
      0,
      encoder.encode('garbage from a crashed write, longer than the new manifest '.repeat(10)),
    );
    await leftover.close();
    await writeManifest(fs, dir, sample);
    expect(await fs.list(dir)).toEqual([manifestFileName]);
    expect(await readManifest(fs, dir)).toEqual(sample);
    expect(await readManifest(fs.crashLosingAll(), dir)).toEqual(sample);
  });

  it('surfaces a corrupt manifest on read', async () => {
    const fs = await newFs();
    const handle = await fs.open(`${dir}/${manifestFileName}`, 'create-exclusive');
    await handle.write(0, encoder.encode('not a manifest'));
    await handle.close();
    await expect(readManifest(fs, dir)).rejects.toMatchObject({
      code: corruptCode,
      details: { file: `${dir}/${manifestFileName}` },
    });
  });

  it('leaves the old or the new manifest after a crash at any I/O step', async () => {
    const prng = seededPrng();
    const probe = await newFs();
    await writeManifest(probe, dir, emptyManifest);
    const start = probe.opCount;
    await writeManifest(probe, dir, sample);
    const steps = probe.opCount - start;
    expect(steps).toBeGreaterThan(4);
    for (let step = 0; step <= steps; step++) {
      const fs = await newFs();
      await writeManifest(fs, dir, emptyManifest);
      fs.failAtOp(fs.opCount + step);
      const outcome = await writeManifest(fs, dir, sample).then(
        () => 'done',
        (error: unknown) => (error as { code?: string }).code,
      );
      expect(outcome).toBe(step === steps ? 'done' : 'ESIMCRASHED');
      const machines = [fs.crashLosingAll(), fs.crashKeepingAll(), fs.crash(prng), fs.crash(prng)];
      for (const machine of machines) {
        const found = await readManifest(machine, dir);
        expect([emptyManifest, sample], `crash at step ${step}`).toContainEqual(found);
      }
      if (step === steps) expect(await readManifest(machines[0]!, dir)).toEqual(sample);
    }
  });
});

describe('writeFileAtomic', () => {
  it('creates or replaces a file through a temporary name', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir(dir);
    const seen: string[] = [];
    fs.injectError((op) => {
      seen.push(op.target === undefined ? `${op.kind} ${op.path}` : `${op.kind} ${op.path} ${op.target}`);
      return undefined;
    });
    await writeFileAtomic(fs, dir, 'x.tmp', 'x', encoder.encode('one'));
    expect(seen).toEqual([
      `exists ${dir}/x.tmp`,
      `open ${dir}/x.tmp`,
      `write ${dir}/x.tmp`,
      `sync ${dir}/x.tmp`,
      `close ${dir}/x.tmp`,
      `rename ${dir}/x.tmp ${dir}/x`,
      `syncDir ${dir}`,
    ]);
    await writeFileAtomic(fs, dir, 'x.tmp', 'x', encoder.encode('two'));
    expect(new TextDecoder().decode(await fs.readFile(`${dir}/x`))).toBe('two');
    expect(await fs.list(dir)).toEqual(['x']);
    const after = fs.crashLosingAll();
    expect(new TextDecoder().decode(await after.readFile(`${dir}/x`))).toBe('two');
  });

  it('writes and syncs a file larger than syncEveryBytes piece by piece, and a smaller one at once', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir(dir);
    const seen: string[] = [];
    fs.injectError((op) => {
      if (op.kind === 'write' || op.kind === 'sync') seen.push(op.kind);
      return undefined;
    });
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i);
    await writeFileAtomic(fs, dir, 'x.tmp', 'x', bytes, 8);
    expect(seen).toEqual(['write', 'sync', 'write', 'sync', 'write', 'sync']);
    expect(await fs.readFile(`${dir}/x`)).toEqual(bytes);
    for (const [length, pieces] of [
      [16, 2],
      [8, 1],
      [0, 1],
    ] as const) {
      seen.length = 0;
      const exact = Uint8Array.from({ length }, (_, i) => 255 - i);
      await writeFileAtomic(fs, dir, 'x.tmp', 'x', exact, 8);
      expect(seen, `${length} bytes`).toEqual(Array.from({ length: pieces }, () => ['write', 'sync']).flat());
      expect(await fs.readFile(`${dir}/x`)).toEqual(exact);
    }
    // What a crash keeps: every piece was synced before the rename.
    await writeFileAtomic(fs, dir, 'x.tmp', 'x', bytes, 8);
    expect(await fs.crashLosingAll().readFile(`${dir}/x`)).toEqual(bytes);
  });

  it('closes the temporary file and leaves the target alone when the write fails', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir(dir);
    await writeFileAtomic(fs, dir, 'x.tmp', 'x', encoder.encode('old'));
    const kinds: string[] = [];
    fs.injectError((op) => {
      kinds.push(op.kind);
      if (op.kind !== 'write') return undefined;
      return errno('ENOSPC');
    });
    await expect(writeFileAtomic(fs, dir, 'x.tmp', 'x', encoder.encode('new'))).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(kinds).toEqual(['exists', 'open', 'write', 'close']);
    fs.injectError(undefined);
    expect(new TextDecoder().decode(await fs.readFile(`${dir}/x`))).toBe('old');
  });
});
