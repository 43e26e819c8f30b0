import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OmenDbError } from '@omendb/engine';
import { chromium } from 'playwright-core';
import { browserLaunchTimeoutMs, browserLinksMax, browserPageTimeoutMs } from '../limits.ts';

/**
 * Opens readiness.html in Debian's headless Chromium (file://, as a reviewer would) and reports
 * what a person would notice: console errors and page errors, charts that drew nothing, evidence
 * links that lead nowhere. It also takes a screenshot into the run directory. The caller decides
 * what fails; this only measures.
 */

export const chromiumPath = '/usr/bin/chromium';

/**
 * The flags the machine notes prescribe: without the background-networking ones Chromium's
 * connections are refused by this machine's closed network, many at a time, and it fails to look
 * up Google's hosts at every start.
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserCheck {
  /** Console errors, page errors (uncaught exceptions), failed requests and requests that left file://. */
  readonly consoleErrors: string[];
  /** Every svg[data-chart], with its rendered size in CSS pixels. */
  readonly charts: { name: string; width: number; height: number }[];
  /** Every a[data-evidence]: its href as written, and whether it resolves to a file inside the run dir. */
  readonly links: { href: string; exists: boolean }[];
  /** The screenshot's path (runDir/screenshot.png). */
  readonly screenshot: string;
}

export interface BrowserCheckOptions {
  /** The Chromium binary; Debian's by default. */
  readonly executablePath?: string;
}

/** What the page reports about itself (run in the browser, so it sees what a person would see). */
export interface PageFacts {
  charts: { name: string; width: number; height: number }[];
  links: { href: string; resolved: string }[];
}

export async function checkReportInBrowser(
  htmlPath: string,
  runDir: string,
  options: BrowserCheckOptions = {},
): Promise<BrowserCheck> {
  const executablePath = options.executablePath ?? chromiumPath;
  if (!existsSync(executablePath)) {
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `${executablePath} is missing: the browser check needs Debian's chromium (apt-get install chromium; .ci/run installs it)`,
    );
  }
  // A fresh, empty profile each time: nothing from an earlier run (cache, first-run state) leaks in.
  const userDataDir = await mkdtemp(join(tmpdir(), 'omendb-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      args: chromiumArgs,
      headless: true,
      timeout: browserLaunchTimeoutMs,
      viewport: { width: 1280, height: 900 },
    });
    try {
      return await inspect(context, htmlPath, runDir);
    } finally {
      await context.close();
    }
  } finally {
    await rm(userDataDir, { recursive: true, force: true });
  }
}

async function inspect(
  context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>,
  htmlPath: string,
  runDir: string,
): Promise<BrowserCheck> {
  const consoleErrors: string[] = [];
  const page = await context.newPage();
  page.setDefaultTimeout(browserPageTimeoutMs);
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    consoleErrors.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`),
  );
  // The report must be self-contained: any request beyond file:// is a fault even when it succeeds.
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) consoleErrors.push(`external request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(resolve(htmlPath)).href, {
    waitUntil: 'load',
    timeout: browserPageTimeoutMs,
  });
  const facts: PageFacts = await page.evaluate(pageFacts, undefined);
  if (facts.links.length > browserLinksMax) {
    throw new Error(
      `OmenDB harness invariant violated: ${facts.links.length} evidence links, more than ${browserLinksMax}`,
    );
  }
  const links = await Promise.all(
    facts.links.map(async (link) => ({ href: link.href, exists: await isRunFile(link.resolved, runDir) })),
  );
  const screenshot = join(runDir, 'screenshot.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  return { consoleErrors, charts: facts.charts, links, screenshot };
}

/** The little of the DOM that pageFacts reads: the harness compiles without the DOM library. */
export interface FactsElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
  /** An anchor's href as the browser resolved it (absolute). */
  readonly href?: string;
}

export interface FactsDocument {
  querySelectorAll(selector: string): ArrayLike<FactsElement>;
}

/**
 * Runs inside the page (playwright serializes its source, so it must not refer to anything outside
 * itself); the document parameter is there so it can be tested in Node with a stand-in.
 */
export function pageFacts(doc?: FactsDocument): PageFacts {
  const d = doc ?? (globalThis as unknown as { document: FactsDocument }).document;
  const charts = Array.from(d.querySelectorAll('svg[data-chart]')).map((el) => {
    const box = el.getBoundingClientRect();
    return { name: el.getAttribute('data-chart') ?? '', width: box.width, height: box.height };
  });
  const links = Array.from(d.querySelectorAll('a[data-evidence]')).map((el) => ({
    href: el.getAttribute('href') ?? '',
    resolved: el.href ?? '',
  }));
  return { charts, links };
}

/** The browser's resolved URL names an existing file inside the run directory (not beside it). */
export async function isRunFile(resolvedUrl: string, runDir: string): Promise<boolean> {
  if (!resolvedUrl.startsWith('file:')) return false;
  const path = fileURLToPath(resolvedUrl);
  const inside = relative(resolve(runDir), path);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return false;
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
