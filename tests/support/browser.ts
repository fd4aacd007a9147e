import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FileSystemConfigLoader, HtmlValidate } from 'html-validate';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type Response as PageResponse,
} from 'playwright-core';
import { PROJECT_ROOT } from '../../src/project-root.js';

// Browser tests drive Debian's Chromium (never a downloaded browser) through playwright-core, and check
// every page of ours they visit: axe-core (WCAG 2.0, 2.1 and 2.2, A and AA), html-validate on the HTML
// the server sent, and the page title (unique per page and state, "Error: " when the form has errors).

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Without the background-networking flags Chromium's own calls home are refused on a closed network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOTS_DIR = join(PROJECT_ROOT, 'docs', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with \`sudo apt-get install -y chromium\``,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * A person's browser: its own cookies; https errors ignored only because the test identity provider
 * uses a self-signed certificate made at test start (the app itself is plain http on loopback).
 */
export async function newPersonContext(
  browser: Browser,
  options: { javaScript: boolean },
): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScript,
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  await keepToLoopback(context);
  return context;
}

/**
 * Refuses every request off this machine at once: the NHS.UK fonts come from assets.nhs.uk, and on a
 * closed network a page's load event would otherwise wait on that lookup however long it takes (a
 * journey step timed out on it in CI). Pages render with the fallback fonts, as they would offline.
 */
async function keepToLoopback(context: BrowserContext): Promise<void> {
  await context.route(
    (url) => !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname),
    (route) => route.abort('blockedbyclient'),
  );
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');
// .htmlvalidate.json (JSON, so the reasons live here) is html-validate:recommended with three changes:
// - no-redundant-role off: nhsuk-frontend's header and footer templates write role="banner" and
//   role="contentinfo" (and our page skeleton <main role="main">) for older assistive technology.
// - prefer-native-element allows role="button": nhsuk-frontend's button component renders a link
//   that starts a task as <a role="button">.
// - long-title off: its 70 characters are a search-engine display limit; our titles name the page,
//   the return and the provider before the service name, so they say where you are.
const htmlValidate = new HtmlValidate(new FileSystemConfigLoader());

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe in the page (evaluated, not a script tag, so the app's own CSP stays in force). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const script = `${axeSource}
    ;window.axe.run(document, {
      runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} },
      resultTypes: ['violations'],
    })
      .then((results) => results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })))`;
  return page.evaluate<AxeViolation[]>(script);
}

function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (violation) =>
        `- ${violation.id} (${violation.impact ?? 'no impact'}): ${violation.help}\n` +
        violation.nodes
          .map((node) => `    at ${JSON.stringify(node.target)}\n      ${node.failureSummary ?? ''}`)
          .join('\n'),
    )
    .join('\n');
}

async function htmlProblems(html: string): Promise<string[]> {
  // The file name only tells html-validate where to look for .htmlvalidate.json (the project root).
  const report = await htmlValidate.validateString(html, join(PROJECT_ROOT, 'page.html'));
  return report.results.flatMap((result) =>
    result.messages.map(
      (message) => `- ${message.ruleId} line ${message.line}:${message.column}: ${message.message}`,
    ),
  );
}

interface VisitedPage {
  key: string;
  title: string;
}

/**
 * The checks every page of ours gets, for one test file. It follows each page's document response
 * (the HTML as the server sent it, for html-validate) and remembers every title it saw.
 */
export class PageChecks {
  private readonly documents = new WeakMap<Page, PageResponse>();
  private readonly visited: VisitedPage[] = [];
  /**
   * Pages with JavaScript off are scanned by axe in a separate page that has it (axe needs it); the
   * context closes with the browser.
   */
  private scanner: Page | undefined;
  private scanning: { address: string; html: string } | undefined;

  constructor(private readonly browser: Browser) {}

  /** Starts following a page's document responses; call before its first navigation. */
  watch(page: Page): Page {
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
        this.documents.set(page, response);
      }
    });
    return page;
  }

  /**
   * Checks the page now shown: zero axe violations, valid HTML, a title saying where you are
   * ("Error: " first exactly when the page shows an error summary). Returns the title. With
   * `scan: false` (a page made from the same template and state as one already scanned, seen again in
   * a loop) only the title is checked.
   */
  async check(page: Page, options: { scan?: boolean } = {}): Promise<string> {
    const url = new URL(page.url());
    if (options.scan !== false) {
      const response = this.documents.get(page);
      if (!response) throw new Error(`No document response seen for ${page.url()}: call watch(page) first`);
      const html = await response.text();

      const invalid = await htmlProblems(html);
      if (invalid.length > 0) throw new Error(`HTML of ${url.pathname} is not valid:\n${invalid.join('\n')}`);

      const duplicates = await duplicateControlNames(page);
      if (duplicates.length > 0)
        throw new Error(`${url.pathname} has form controls sharing a name:\n${duplicates.join('\n')}`);

      const violations = await this.axe(page, url.href, html);
      if (violations.length > 0) {
        throw new Error(
          `axe found ${violations.length} violation(s) on ${url.pathname}:\n${describeViolations(violations)}`,
        );
      }
      this.scanned++;
    }

    const overflow = await sidewaysScroll(page);
    if (overflow) throw new Error(`${url.pathname} scrolls sideways at ${REFLOW_WIDTH} CSS px: ${overflow}`);

    const title = await page.title();
    const hasErrorSummary = (await page.locator('.nhsuk-error-summary').count()) > 0;
    if (hasErrorSummary !== title.startsWith('Error: ')) {
      throw new Error(
        `Title "${title}" of ${url.pathname}: the "Error: " prefix must be there exactly when the page shows an error summary`,
      );
    }
    // A page is its address: the same page seen again may keep its title, another page may not.
    this.visited.push({ key: url.pathname, title });
    return title;
  }

  /**
   * Checks the page at 1280 px, then again at 320 px (reflow only: same HTML), saving a screenshot
   * at each when named (`<name>.png`, `<name>-320.png`). Returns the title.
   */
  async checkBothWidths(page: Page, screenshot?: string): Promise<string> {
    const title = await this.check(page);
    if (screenshot) await saveScreenshot(page, screenshot);
    await page.setViewportSize({ width: REFLOW_WIDTH, height: 900 });
    await this.check(page, { scan: false });
    if (screenshot) await saveScreenshot(page, `${screenshot}-320`);
    await page.setViewportSize({ width: 1280, height: 900 });
    return title;
  }

  /**
   * Titles seen on more than one page: empty when every page has its own. A page's error state has
   * its own title already ("Error: ").
   */
  sharedTitles(): { title: string; pages: string[] }[] {
    const byTitle = new Map<string, Set<string>>();
    for (const { key, title } of this.visited) {
      byTitle.set(title, (byTitle.get(title) ?? new Set()).add(key));
    }
    return [...byTitle]
      .filter(([, keys]) => keys.size > 1)
      .map(([title, keys]) => ({ title, pages: [...keys] }));
  }

  private scanned = 0;

  /** How many pages were scanned with axe and html-validate (so a test shows it checked what it meant to). */
  get scannedCount(): number {
    return this.scanned;
  }

  private async axe(page: Page, url: string, html: string): Promise<AxeViolation[]> {
    // The page's own inline script marks the body when JavaScript runs.
    if (await page.evaluate('document.body.classList.contains("js-enabled")')) return axeViolations(page);
    // JavaScript is off in this page, so axe cannot run in it: show the same HTML, its scripts taken
    // out (as they never ran), at the same address in a page where axe can run. Requests never carry
    // the #fragment of the address.
    this.scanning = {
      address: url.split('#')[0] ?? url,
      html: html.replace(/<script\b[\s\S]*?<\/script>/gi, ''),
    };
    const scanner = await this.scannerPage();
    await scanner.goto(this.scanning.address);
    return axeViolations(scanner);
  }

  /** One page, kept, that answers the address being scanned with its HTML (the rest from the app). */
  private async scannerPage(): Promise<Page> {
    if (this.scanner) return this.scanner;
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await keepToLoopback(context);
    const scanner = await context.newPage();
    await scanner.route(
      (candidate) => candidate.href === this.scanning?.address,
      (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          body: this.scanning?.html ?? '',
        }),
    );
    this.scanner = scanner;
    return scanner;
  }
}

/**
 * Controls of one form that share a name, other than a group of radios, of checkboxes or of submit
 * buttons (one value of each group is sent): a second field of the same name sends two values where
 * the server reads one, and one of them is silently lost or wins. One line per name, naming the form.
 */
export async function duplicateControlNames(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const groupable = (control) =>
      control.type === 'radio' ? 'radio' : control.type === 'checkbox' ? 'checkbox' :
      control.type === 'submit' ? 'submit' : undefined;
    return [...document.forms].flatMap((form, index) => {
      const byName = new Map();
      for (const control of form.elements) {
        if (!control.name) continue;
        byName.set(control.name, [...(byName.get(control.name) || []), control]);
      }
      const formName = 'form ' + (index + 1) + ' (' + (form.getAttribute('action') || 'this page') + ')';
      return [...byName]
        .filter(([, controls]) => controls.length > 1)
        .filter(([, controls]) => {
          const kind = groupable(controls[0]);
          return kind === undefined || controls.some((control) => groupable(control) !== kind);
        })
        .map(([name, controls]) => '- ' + formName + ': ' + controls.length + ' controls named "' + name + '" (' +
          controls.map((control) => control.tagName.toLowerCase() + (control.type ? '[' + control.type + ']' : '')).join(', ') + ')');
    });
  })()`);
}

/** Tallest screenshot kept: the long review page would otherwise be a megabyte in the repository. */
const SCREENSHOT_MAX_HEIGHT = 3600;

/** WCAG 1.4.10 (reflow): content fits 320 CSS px wide without scrolling sideways. */
export const REFLOW_WIDTH = 320;

/**
 * Whether the page, shown 320 CSS px wide, is wider than the window (so the whole page scrolls
 * sideways): undefined when it fits, else what sticks out. Wide content inside its own scroll region
 * (overflow-x: auto, labelled) does not widen the page, so passes. The window goes back to its size.
 */
export async function sidewaysScroll(page: Page): Promise<string | undefined> {
  const size = page.viewportSize();
  if (!size) return undefined;
  await page.setViewportSize({ width: REFLOW_WIDTH, height: size.height });
  try {
    // The resize steps (where the page's own scripts, such as the NHS header's menu, react to the new
    // width) run before the next frame's callbacks: measure after two frames.
    // Without JavaScript in the page nothing reacts, and frames may never come: measure at once.
    if (await page.evaluate('document.body.classList.contains("js-enabled")'))
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    return await page.evaluate<string | undefined>(`(() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width) return undefined;
      const widest = [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > width + 1)
        .filter((element) => !element.parentElement || element.parentElement.getBoundingClientRect().right <= width + 1)
        .slice(0, 3)
        .map((element) => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') +
          (element.className && typeof element.className === 'string' ? '.' + element.className.trim().split(/\\s+/).join('.') : ''));
      // Text too long to wrap sticks out of its element without widening it: name its element.
      const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node && widest.length < 3; node = texts.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        if (range.getBoundingClientRect().right > width + 1)
          widest.push('text "' + node.textContent.trim().slice(0, 40) + '" in ' + node.parentElement.tagName.toLowerCase());
      }
      return 'the page is ' + document.documentElement.scrollWidth + ' px wide (' + widest.join(', ') + ')';
    })()`);
  } finally {
    await page.setViewportSize(size);
  }
}

/** Clicks a link or button and waits for the page it loads (forms work without JavaScript). */
export async function follow(page: Page, target: Locator): Promise<void> {
  const loaded = page.waitForEvent('load');
  await target.click();
  await loaded;
}

/** Signs in as the named person on the local sign-in page (tests and the demo only). */
export async function signInLocally(page: Page, baseUrl: string, name: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in/local`);
  await page.getByRole('radio', { name }).check();
  await follow(page, page.getByRole('button', { name: 'Sign in', exact: true }));
}

/**
 * A full-page screenshot for the README (docs/screenshots/<name>.png), cut at SCREENSHOT_MAX_HEIGHT,
 * or just below `until` when given.
 */
export async function saveScreenshot(page: Page, name: string, until?: Locator): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  const width = page.viewportSize()?.width ?? 1280;
  const box = await until?.boundingBox();
  const scrollTop = await page.evaluate<number>('window.scrollY');
  const height = box
    ? Math.ceil(box.y + scrollTop + box.height + 24)
    : await page.evaluate<number>('document.documentElement.scrollHeight');
  await page.screenshot({
    path,
    fullPage: true,
    clip: { x: 0, y: 0, width, height: Math.min(height, SCREENSHOT_MAX_HEIGHT) },
  });
  return path;
}
