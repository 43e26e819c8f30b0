import { describe, expect, it } from 'vitest';
import type { FactServer, WithServer } from '../../../src/readiness/static-facts/fact-server.ts';
import {
  checkOpenApiDocument,
  openApiDocumentedFact,
} from '../../../src/readiness/static-facts/openapi-documented.ts';
import { repoRoot } from './fixture-repo.ts';

const errorBody = { description: 'error' };

function documentWith(paths: Record<string, unknown>): unknown {
  return { openapi: '3.1.0', info: { title: 't', version: '1' }, paths };
}

/** A server that serves `body` at every path (no process: the parsing is what is under test). */
function serving(body: string): WithServer {
  const server: FactServer = { dataDir: '/nonexistent', get: async () => body };
  return (use) => use(server);
}

describe('checkOpenApiDocument', () => {
  it('passes when every operation has a summary and a 4xx/5xx response (a range counts)', () => {
    const document = documentWith({
      '/a': {
        parameters: [],
        get: { summary: 'Get a.', responses: { '200': {}, '404': errorBody } },
        post: { summary: 'Post a.', responses: { '201': {}, '4XX': errorBody } },
      },
      '/b': { delete: { summary: 'Delete b.', responses: { '503': errorBody } } },
    });
    expect(checkOpenApiDocument(document)).toEqual({
      value: 100,
      pass: true,
      detail: '3/3 routes with a summary and a 4xx/5xx response',
    });
  });

  it('fails on an undocumented route, naming what it lacks; `default` alone is not an error response', () => {
    const document = documentWith({
      '/a': {
        get: { summary: 'Get a.', responses: { '200': {}, '400': errorBody } },
        put: { summary: '  ', responses: { '200': {}, default: errorBody } },
        patch: 'not an operation',
      },
      '/b': 'not a path item',
    });
    const result = checkOpenApiDocument(document);
    expect(result).toMatchObject({ value: 33.3, pass: false });
    expect(result.detail).toContain('PUT /a (no summary, no 4xx/5xx response)');
    expect(result.detail).toContain('PATCH /a (not an operation object)');
  });

  it('is no evidence without paths, or without any operation', () => {
    expect(checkOpenApiDocument({ openapi: '3.1.0' }).detail).toMatch(/^no evidence: .*no paths/);
    expect(checkOpenApiDocument(null).pass).toBe(false);
    expect(checkOpenApiDocument(documentWith({})).detail).toMatch(/^no evidence/);
  });
});

describe('openApiDocumentedFact', () => {
  it("reads the served document of the repository's server", async () => {
    const result = await openApiDocumentedFact().evaluate({ repoRoot, runDirs: [] });
    // First measured at 2/19 (routes declared only `default`); every route now declares the
    // error statuses it can answer, each with its registry codes.
    expect(result.detail).toMatch(/^(\d+)\/\1 routes with a summary and a 4xx\/5xx response/);
    expect(result).toMatchObject({ value: 100, pass: true });
  });

  it('fails on a served document with an undocumented route', async () => {
    const document = documentWith({ '/x': { get: { responses: { '200': {} } } } });
    const result = await openApiDocumentedFact(serving(JSON.stringify(document))).evaluate({
      repoRoot,
      runDirs: [],
    });
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toContain('GET /x (no summary, no 4xx/5xx response)');
  });

  it('is no evidence when the document is not JSON', async () => {
    const result = await openApiDocumentedFact(serving('<html>')).evaluate({ repoRoot, runDirs: [] });
    expect(result).toEqual({ value: 0, pass: false, detail: 'no evidence: GET /openapi.json is not JSON' });
  });
});
