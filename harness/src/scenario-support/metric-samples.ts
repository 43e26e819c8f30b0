import { createRequire } from 'node:module';

/**
 * Prometheus text exposition to the value of every unlabelled sample, by metric name (a gauge
 * such as process_resident_memory_bytes or nodejs_heap_size_used_bytes). Parsed by
 * parse-prometheus-text-format; labelled samples are left out, since the probes read totals.
 */

interface ParsedFamily {
  readonly name: string;
  readonly metrics: readonly { readonly value?: string; readonly labels?: Record<string, string> }[];
}

const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[];

export function parseMetricSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const family of parsePrometheusTextFormat(text)) {
    for (const metric of family.metrics) {
      const unlabelled = metric.labels === undefined || Object.keys(metric.labels).length === 0;
      if (!unlabelled || metric.value === undefined) continue;
      const value = Number(metric.value);
      if (Number.isFinite(value)) samples.set(family.name, value);
    }
  }
  return samples;
}
