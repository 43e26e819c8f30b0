import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger, stderrLogger } from '../../src/storage/logger.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function captureStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
    return true;
  });
  return lines;
}

describe('stderrLogger', () => {
  it('writes a warning as one JSON line, with bigint fields as strings', () => {
    const lines = captureStderr();
    stderrLogger.warn(
      { seq: 18446744073709551615n, file: 'wal-1.log', offset: 16, nested: { ok: true } },
      'torn tail',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      level: 'warn',
      msg: 'torn tail',
      seq: '18446744073709551615',
      file: 'wal-1.log',
      offset: 16,
      nested: { ok: true },
    });
  });

  it('writes an error as one JSON line', () => {
    const lines = captureStderr();
    stderrLogger.error({ lastSeq: -5n }, 'corrupt');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: 'error', msg: 'corrupt', lastSeq: '-5' },
    ]);
  });

  it('puts level and msg first and adds nothing for empty fields', () => {
    const lines = captureStderr();
    stderrLogger.warn({}, 'no fields');
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'warn', msg: 'no fields' });
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['level', 'msg']);
  });

  it('writes nothing for info', () => {
    const lines = captureStderr();
    stderrLogger.info({ a: 1n }, 'recovery finished');
    expect(lines).toEqual([]);
  });
});

describe('silentLogger', () => {
  it('writes nothing at any level', () => {
    const lines = captureStderr();
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    silentLogger.info({ a: 1n }, 'i');
    silentLogger.warn({ a: 1n }, 'w');
    silentLogger.error({ a: 1n }, 'e');
    expect(lines).toEqual([]);
    expect(stdout).not.toHaveBeenCalled();
  });
});
