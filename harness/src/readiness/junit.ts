import { formatScore, type GateFailure, type GateVerdict, type JudgedCategory } from './gate.ts';

/**
 * The gate's verdict as JUnit XML, the format CI systems display: one <testsuite> per category, one
 * <testcase> per check (classname = the category's id, name = the check's name), plus one testcase
 * per category-level gate (its required score, --min, the baseline) so that a category failing on
 * its own score or a regression shows as red even when no single check does. Failures of an
 * informational category are <skipped> with the policy's why: shown, never gating.
 */

/** Stable names of the category-level testcases: CI tracks a test's history by its name. */
export const categoryCaseNames = {
  required: 'category score meets its required score',
  min: 'category score meets --min',
  baseline: 'category holds against the baseline',
  present: 'category present in the report',
} as const;

// XML 1.0 allows tab, LF, CR and the characters from U+0020 up, except lone surrogates and
// U+FFFE/U+FFFF: a detail quoting a binary error message must not make the whole file unparsable.
// With the u flag a lone surrogate is a code point of its own, outside every range below.
const invalidXmlChars = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(invalidXmlChars, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Attribute values keep their line breaks only as character references (parsers normalize raw ones). */
function attr(text: string | number): string {
  return escapeXml(String(text)).replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function describe(value: GateFailure['value']): string {
  return value === null ? 'null (no evidence)' : JSON.stringify(value);
}

interface Case {
  readonly name: string;
  readonly failure: GateFailure | null;
}

function body(failure: GateFailure): string {
  return [
    `value: ${describe(failure.value)}`,
    `threshold: ${typeof failure.threshold === 'number' ? formatScore(failure.threshold) : failure.threshold}`,
    `reason: ${failure.reason}`,
  ].join('\n');
}

function renderCase(category: JudgedCategory, testcase: Case): string {
  const open = `    <testcase classname="${attr(category.id)}" name="${attr(testcase.name)}" time="0"`;
  const failure = testcase.failure;
  if (failure === null) return `${open}/>`;
  const inner = category.informational
    ? `<skipped message="${attr(`informational, not gating: ${category.why ?? 'no reason given'}`)}">${escapeXml(`would fail: ${body(failure)}`)}</skipped>`
    : `<failure message="${attr(failure.reason)}" type="${attr(failure.kind)}">${escapeXml(body(failure))}</failure>`;
  return `${open}>\n      ${inner}\n    </testcase>`;
}

function casesOf(category: JudgedCategory, verdict: GateVerdict): Case[] {
  const byKind = (kind: GateFailure['kind']) => category.failures.find((f) => f.kind === kind) ?? null;
  if (category.score === null)
    return [{ name: categoryCaseNames.present, failure: byKind('missing-category') }];
  const cases: Case[] = category.checks.map((c) => ({ name: c.check.name, failure: c.failure }));
  cases.push({ name: categoryCaseNames.required, failure: byKind('below-required') });
  if (verdict.min !== null) cases.push({ name: categoryCaseNames.min, failure: byKind('below-min') });
  if (verdict.maxRegression !== null && category.previous !== null)
    cases.push({ name: categoryCaseNames.baseline, failure: byKind('regression') });
  return cases;
}

interface Totals {
  tests: number;
  failures: number;
  skipped: number;
}

function renderSuite(category: JudgedCategory, verdict: GateVerdict, totals: Totals): string {
  const cases = casesOf(category, verdict);
  const failed = cases.filter((c) => c.failure !== null).length;
  const failures = category.informational ? 0 : failed;
  const skipped = category.informational ? failed : 0;
  totals.tests += cases.length;
  totals.failures += failures;
  totals.skipped += skipped;
  const properties = [
    ['id', category.id],
    ['score', category.score === null ? 'none (category missing)' : formatScore(category.score)],
    ['required', formatScore(category.required)],
    ['previous', category.previous === null ? 'none' : formatScore(category.previous)],
    ['informational', String(category.informational)],
    ...(category.why === null ? [] : [['why', category.why]]),
  ]
    .map(([name, value]) => `      <property name="${attr(name!)}" value="${attr(value!)}"/>`)
    .join('\n');
  return [
    `  <testsuite name="${attr(category.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">`,
    `    <properties>\n${properties}\n    </properties>`,
    ...cases.map((c) => renderCase(category, c)),
    '  </testsuite>',
  ].join('\n');
}

export function renderJunit(verdict: GateVerdict): string {
  const totals: Totals = { tests: 0, failures: 0, skipped: 0 };
  const suites = verdict.categories.map((category) => renderSuite(category, verdict, totals));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="omendb readiness gate" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
