import { describe, expect, it } from 'vitest';
import { parseMetricSamples } from '../../src/scenario-support/metric-samples.ts';

describe('parseMetricSamples', () => {
  it('keeps the unlabelled samples by name and leaves labelled ones out', () => {
    const text = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 123456789',
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      '# TYPE nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_used_bytes 4.5e7',
      '# HELP omendb_http_requests_total Requests.',
      '# TYPE omendb_http_requests_total counter',
      'omendb_http_requests_total{route="/v1/x",status="200"} 7',
      '# HELP weird_gauge A gauge that is not a number.',
      '# TYPE weird_gauge gauge',
      'weird_gauge NaN',
      '',
    ].join('\n');
    const samples = parseMetricSamples(text);
    expect(samples.get('process_resident_memory_bytes')).toBe(123_456_789);
    expect(samples.get('nodejs_heap_size_used_bytes')).toBe(45_000_000);
    expect(samples.has('omendb_http_requests_total')).toBe(false);
    expect(samples.has('weird_gauge')).toBe(false);
  });
});
