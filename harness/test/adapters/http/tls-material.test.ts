import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTlsMaterial } from '../../../src/adapters/http/tls-material.ts';

describe('makeTlsMaterial', () => {
  it('makes a certificate for the loopback names only, with private files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omendb-tls-test-'));
    try {
      const material = await makeTlsMaterial(dir);
      const certificate = new X509Certificate(material.ca);
      expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(certificate.checkIP('::1')).toBe('::1');
      expect(certificate.checkHost('localhost')).toBe('localhost');
      expect(certificate.checkHost('example.com')).toBeUndefined();
      expect(certificate.checkIP('10.0.0.1')).toBeUndefined();
      expect((await stat(material.keyPath)).mode & 0o777).toBe(0o600);
      expect((await stat(material.certPath)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
