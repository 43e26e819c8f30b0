import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { judge } from '../../src/readiness/gate.ts';
import { categoryCaseNames, escapeXml, renderJunit } from '../../src/readiness/junit.ts';
import { category, check, deploymentWhy, missing, passingReport, report } from './gate-fixtures.ts';

interface Failure {
  '@_message': string;
  '@_type': string;
  '#text': string;
}
interface TestCase {
  '@_classname': string;
  '@_name': string;
  failure?: Failure;
  skipped?: { '@_message': string; '#text': string };
}
interface Suite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_skipped': string;
  '@_errors': string;
  properties: { property: { '@_name': string; '@_value': string }[] };
  testcase: TestCase[];
}
interface Parsed {
  testsuites: {
    '@_tests': string;
    '@_failures': string;
    '@_skipped': string;
    '@_errors': string;
    testsuite: Suite[];
  };
}

/** Parses as a CI system would: an XML parser that must accept the document first. */
function parse(xml: string): Parsed {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    // Numeric character references (&#10; keeps a line break inside an attribute), as XML defines.
    htmlEntities: true,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  return parser.parse(xml) as Parsed;
}

function counts(parsed: Parsed) {
  const suites = parsed.testsuites.testsuite;
  return {
    suites: suites.map((s) => s['@_name']),
    cases: suites.map((s) => s.testcase.length),
    failures: suites.map((s) => s.testcase.filter((c) => c.failure !== undefined).length),
    skipped: suites.map((s) => s.testcase.filter((c) => c.skipped !== undefined).length),
  };
}

describe('renderJunit', () => {
  it('writes one suite per category and one case per check, passing when the gate passes', () => {
    const parsed = parse(renderJunit(judge(passingReport())));
    expect(counts(parsed)).toEqual({
      suites: ['Core Algorithm', 'Unit Tests', 'Deployment'],
      // Each category: its checks, plus its required-score case.
      cases: [3, 3, 2],
      failures: [0, 0, 0],
      // Deployment (informational) fails its check and its score: skipped, with the why.
      skipped: [0, 0, 2],
    });
    const totals = parsed.testsuites;
    expect([totals['@_tests'], totals['@_failures'], totals['@_skipped'], totals['@_errors']]).toEqual([
      '8',
      '0',
      '2',
      '0',
    ]);
    const core = parsed.testsuites.testsuite[0]!;
    expect(core.testcase.map((c) => [c['@_classname'], c['@_name']])).toEqual([
      ['core-algorithm', 'scale-verification check'],
      ['core-algorithm', 'rmi-tests check'],
      ['core-algorithm', categoryCaseNames.required],
    ]);
    expect(core.properties.property.find((p) => p['@_name'] === 'score')!['@_value']).toBe('95');
    const deployment = parsed.testsuites.testsuite[2]!;
    expect(deployment['@_skipped']).toBe('2');
    expect(deployment['@_failures']).toBe('0');
    expect(deployment.testcase[0]!.skipped!['@_message']).toBe(`informational, not gating: ${deploymentWhy}`);
    expect(deployment.testcase[0]!.skipped!['#text']).toMatch(/^would fail: value: false\nthreshold: /);
  });

  it('fails the cases of a category below its required score and of a check without evidence', () => {
    const verdict = judge(passingReport([check('scale-verification', 100), missing('rmi-tests')]));
    const parsed = parse(renderJunit(verdict));
    expect(counts(parsed).failures).toEqual([2, 0, 0]);
    expect(parsed.testsuites['@_failures']).toBe('2');
    const [scale, rmi, score] = parsed.testsuites.testsuite[0]!.testcase;
    expect(scale!.failure).toBeUndefined();
    expect(rmi!.failure!['@_type']).toBe('check-below-required');
    expect(rmi!.failure!['#text']).toMatch(
      /^value: null \(no evidence\)\nthreshold: the value itself, as a percentage\nreason: score 0 below/,
    );
    expect(score!.failure!['@_type']).toBe('below-required');
    expect(score!.failure!['#text']).toMatch(/^value: 50\nthreshold: 80\n/);
    expect(parsed.testsuites.testsuite[0]!['@_failures']).toBe('2');
  });

  it('adds the --min and baseline cases when those gates are on, and a case for a missing category', () => {
    const baseline = report([
      ...passingReport([check('scale-verification', 100), check('rmi-tests', 100)]).categories,
      category('security', 60, [check('hostile-input', 100)]),
    ]);
    const verdict = judge(passingReport(), { baseline, maxRegression: 1, min: 92 });
    const parsed = parse(renderJunit(verdict));
    expect(counts(parsed)).toEqual({
      suites: ['Core Algorithm', 'Unit Tests', 'Deployment', 'Security'],
      cases: [5, 5, 4, 1],
      // Core: rmi-tests fell from 100 and the category regressed; Unit Tests: below --min, and its
      // 85 check below the bar of 92; Security: missing. Deployment (informational) misses its
      // required score and --min, and its check: skipped.
      failures: [2, 2, 0, 1],
      skipped: [0, 0, 3, 0],
    });
    const names = parsed.testsuites.testsuite[0]!.testcase.map((c) => c['@_name']);
    expect(names.slice(2)).toEqual([
      categoryCaseNames.required,
      categoryCaseNames.min,
      categoryCaseNames.baseline,
    ]);
    expect(parsed.testsuites.testsuite[0]!.testcase[4]!.failure!['@_type']).toBe('regression');
    const security = parsed.testsuites.testsuite[3]!;
    expect(security.testcase[0]!['@_name']).toBe(categoryCaseNames.present);
    expect(security.testcase[0]!.failure!['@_type']).toBe('missing-category');
    expect(security.properties.property.find((p) => p['@_name'] === 'score')!['@_value']).toBe(
      'none (category missing)',
    );
    expect(parsed.testsuites['@_tests']).toBe('15');
    expect(parsed.testsuites['@_failures']).toBe('5');
  });

  it('escapes markup, quotes and line breaks, and replaces what XML cannot hold', () => {
    const hostile = `<script>"a" & 'b'</script>\u0001\uD800 ]]>`;
    const verdict = judge(
      report([
        category(
          'hostile',
          100,
          [check('x', 0, { name: hostile, detail: `line 1\nline 2 ${hostile}`, value: hostile })],
          {
            name: `Cat & <dog>`,
          },
        ),
      ]),
    );
    const xml = renderJunit(verdict);
    expect(xml).not.toContain('<script>');
    const parsed = parse(xml);
    const suite = parsed.testsuites.testsuite[0]!;
    expect(suite['@_name']).toBe('Cat & <dog>');
    const cleaned = `<script>"a" & 'b'</script>\uFFFD\uFFFD ]]>`;
    expect(suite.testcase[0]!['@_name']).toBe(cleaned);
    expect(suite.testcase[0]!.failure!['@_message']).toContain(`line 1\nline 2 ${cleaned}`);
    // The value line is JSON: the control character and the lone surrogate arrive escaped.
    expect(suite.testcase[0]!.failure!['#text']).toContain(`value: ${JSON.stringify(hostile)}`);
  });

  it('keeps valid surrogate pairs and tabs', () => {
    expect(escapeXml('a\t😀b')).toBe('a\t😀b');
    expect(escapeXml('\uDC00x\uFFFE')).toBe('\uFFFDx\uFFFD');
  });
});
