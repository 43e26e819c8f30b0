import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StaticFact, StaticFactContext, StaticFactResult } from '../types.ts';
import { readTextBounded, type TextFile } from './fact-files.ts';
import { guarded, noEvidence, shareResult } from './fact-result.ts';
import { type WithServer, withSpawnedServer } from './fact-server.ts';

/**
 * 'readme-metrics-exported': every metric name `omendb_...` that README.md or docs/*.md mentions is
 * exported by a running server's /metrics, as a metric family (its # TYPE or # HELP line) or as a
 * sample name (a histogram's `_bucket`, `_sum`, `_count`). Documentation that names no metric at
 * all is no evidence, not a pass.
 */

/** The metric names a text mentions, whole. */
export function metricsNamed(text: string): Set<string> {
  return new Set(text.match(/(?<![A-Za-z0-9_])omendb_[a-z_]*[a-z]/g) ?? []);
}

/** Every family and sample name of a Prometheus text exposition. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const meta = /^#\s+(?:TYPE|HELP)\s+([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line);
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[\s{]/.exec(line);
    const name = meta?.[1] ?? sample?.[1];
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** The pure check: the documents and the /metrics text in, the share of exported names out. */
export function checkDocumentedMetrics(documents: readonly TextFile[], exposition: string): StaticFactResult {
  const exported = exportedNames(exposition);
  const mentionedIn = new Map<string, string>();
  for (const document of documents)
    for (const name of metricsNamed(document.text))
      if (!mentionedIn.has(name)) mentionedIn.set(name, document.path);
  const read = documents.map((document) => document.path).join(', ');
  if (mentionedIn.size === 0) return noEvidence(`${read} name no omendb_* metric`);
  const offenders = [...mentionedIn]
    .filter(([name]) => !exported.has(name))
    .map(([name, path]) => `${name} (named in ${path}, not exported)`);
  return shareResult(`metrics named in ${read} that /metrics exports`, mentionedIn.size, offenders);
}

/** README.md and docs/*.md (not deeper: the docs are one flat directory). */
async function documentsOf(repoRoot: string): Promise<TextFile[]> {
  const docs = (await readdir(join(repoRoot, 'docs')).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  const documents: TextFile[] = [];
  for (const path of ['README.md', ...docs])
    documents.push({ path, text: await readTextBounded(join(repoRoot, path)) });
  return documents;
}

export function readmeMetricsExportedFact(withServer: WithServer = withSpawnedServer): StaticFact {
  return {
    name: 'readme-metrics-exported',
    description: 'Every omendb_* metric that README.md or docs/*.md names is exported by a running server.',
    evaluate: ({ repoRoot }: StaticFactContext) =>
      guarded(async () => {
        const documents = await documentsOf(repoRoot);
        // Nothing to check needs no server: the result is "no evidence" either way.
        if (documents.every((document) => metricsNamed(document.text).size === 0))
          return checkDocumentedMetrics(documents, '');
        return withServer(async (server) => checkDocumentedMetrics(documents, await server.get('/metrics')));
      }),
  };
}
