import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { match } from 'path-to-regexp';
import type { Browser, Page } from 'playwright-core';
import { seedDemoData } from '../../src/demo/seed-demo-data.js';
import type { Prisma } from '../../src/generated/prisma/client.js';
import type { UserRole } from '../../src/generated/prisma/enums.js';
import { createFileMailer } from '../../src/mail/file-mailer.js';
import { buildTestApp, testConfig } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { newPersonContext, PageChecks } from '../support/browser.js';
import { startBrowserApp } from '../support/browser-app.js';
import type { TestDatabase } from '../support/database.js';
import { frameworkVersion } from '../support/fixtures.js';
import { routesOf } from '../support/routes.js';
import { testLogger } from '../support/test-logger.js';

// Every page a person can reach by following links, on the demo data, gets the page checks (axe,
// html-validate, reflow at 320 CSS px, a title; tests/support/browser.ts): the journeys walk the
// main paths, this walks the rest, so a page added later is checked without anyone remembering to.
// Each person starts at the home page and follows every link of ours; each route is checked once for
// staff and once for provider people (they see other templates at the same address). A GET route
// that no link reaches must be named below with the reason, or the last test fails naming it.

/** Routes that answer a file, not a page: followed, never scanned. */
const DOWNLOADS = new Set([
  '/evidence/:evidenceId/download',
  '/exports/pack/:providerId/download',
  '/exports/requirements',
  '/imports/register/template.csv',
  '/imports/register/template.xlsx',
  '/matrix/export.csv',
  '/providers/:providerId/returns/import/template.xlsx',
  '/publications/export.csv',
  '/returns/:returnId/eds-report.xlsx',
  '/returns/:returnId/workbook.xlsx',
  // An email's own HTML, shown as the recipient's mail program would (not a page of the service).
  '/dev/mail/:emailId/html',
]);

/** GET routes no link leads to, and why (their pages are checked by the tests named). */
const NOT_LINKED: Record<string, string> = {
  '/health/live': 'for the load balancer, not people',
  '/health/ready': 'for the load balancer, not people',
  '/auth/callback': 'the identity provider redirects there (journeys sign in through it)',
  '/sign-in/microsoft': 'starts the Entra sign-in (journeys sign in through it)',
  '/sign-in/email/link': 'reached from an email (journey-email-link)',
  '/sign-in/email/sent': 'shown after asking for a link (journey-email-link)',
  '/invitation': 'reached from an invitation email (journey-email-link)',
  '/imports/register/:importId': 'a preview, after an upload (journey-register-import)',
  '/providers/:providerId/returns/import/preview': 'a preview, after an upload (return-history-import)',
  '/returns/:returnId/workbook/preview': 'a preview, after an upload (return-workbook)',
  '/returns/:returnId/confirmation': 'shown after submitting (journeys)',
  '/exports/requirements': 'the export page’s form asks for it (exports)',
};

/** The demo people who walk the service: each role once, and provider people of two kinds. */
const WALKERS: { name: string; role: UserRole; membership?: Prisma.MembershipWhereInput }[] = [
  { name: 'contract manager', role: 'contract_manager' },
  { name: 'administrator', role: 'admin' },
  { name: 'viewer', role: 'viewer' },
  // The lead of a provider whose EDS 2022 return is still open (its grading and services pages).
  {
    name: 'provider lead',
    role: 'provider_lead',
    membership: {
      role: 'lead',
      provider: {
        returns: {
          some: { status: { in: ['not_started', 'in_progress'] }, frameworkVersion: { code: '2022' } },
        },
      },
    },
  },
  { name: 'provider contributor', role: 'provider_lead', membership: { role: 'contributor' } },
];

/**
 * A page of the same route seen again is opened (not scanned) to find its links, this many times: a
 * return's page shows other links in each state.
 */
const OPENED_PER_ROUTE = 10;

let db: TestDatabase;
let browser: Browser;
let baseUrl: string;
let routeOf: (pathname: string) => string | undefined;
let getRoutes: string[];
const closers: (() => Promise<unknown>)[] = [];
/** "staff /returns/:returnId" and the like: checked already. */
const checked = new Set<string>();
const reached = new Set<string>();

beforeAll(async () => {
  const started = await startBrowserApp(closers);
  ({ browser, db, baseUrl } = started);
  await seedDemoData(db.prisma, testLogger, new Date());
  // What the demo lacks for a few pages: a period not opened yet (its standards' pages), an email in
  // the local mailbox, and a service on each open EDS 2022 return (the pages that change or remove one).
  const openEds = await db.prisma.return.findMany({
    where: {
      status: { in: ['not_started', 'in_progress'] },
      frameworkVersion: { code: '2022' },
      services: { none: {} },
    },
    select: { id: true },
  });
  await db.prisma.returnService.createMany({
    data: openEds.map((row) => ({
      returnId: row.id,
      name: 'All services',
      whyChosen: 'Domain 1 was assessed for all services together.',
      position: 1,
    })),
  });
  const ais = await frameworkVersion(db.prisma, 'AIS', '2025');
  await db.prisma.reportingPeriod.create({
    data: {
      label: 'Sweep draft',
      startDate: new Date('2030-04-01'),
      endDate: new Date('2031-03-31'),
      standards: {
        create: { frameworkId: ais.frameworkId, frameworkVersionId: ais.id, dueDate: new Date('2031-03-31') },
      },
    },
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'page-sweep-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = testConfig({ DATA_DIR: dataDir });
  if (config.mail.transport.kind !== 'files') throw new Error('expected the file mailer');
  await createFileMailer(config.mail, config.mail.transport.dir).send({
    messageId: `<page-sweep@localhost>`,
    to: 'lead@example.nhs.uk',
    cc: [],
    subject: 'Your return is due',
    text: 'Your return is due.',
    html: '<p>Your return is due.</p>',
  });
  const app = buildTestApp(db, { config });
  getRoutes = routesOf(app)
    .filter((route) => route.startsWith('GET '))
    .map((route) => route.slice('GET '.length));
  // As Express would choose: a fixed path (template.csv) before one with a parameter (:importId).
  const matchers = getRoutes
    .map((route) => ({ route, params: route.split(':').length, matches: match(route) }))
    .sort((a, b) => a.params - b.params);
  routeOf = (pathname) => matchers.find(({ matches }) => matches(pathname) !== false)?.route;
  started.serve(app);
});
afterAll(async () => {
  for (const close of closers) await close();
});

/** Links of ours on the page, as paths with their query, without fragments. */
async function linksOn(page: Page): Promise<string[]> {
  const hrefs = await page
    .locator('a[href]')
    .evaluateAll((anchors) => anchors.map((anchor) => (anchor as unknown as { href: string }).href));
  return hrefs
    .map((href) => new URL(href))
    .filter((url) => url.origin === baseUrl)
    .map((url) => url.pathname + url.search);
}

/**
 * Follows every link from `start`, breadth first, checking the first page of each route for this
 * audience. Returns what failed: each page that breaks a check, each link that leads nowhere (all of
 * them, so one run lists every fault).
 */
async function walk(page: Page, checks: PageChecks, audience: string, start: string[]): Promise<string[]> {
  const problems: string[] = [];
  const queue = [...start];
  const seen = new Set<string>();
  const opened = new Map<string, number>();
  const keyOf = (address: string) => `${audience} ${routeOf(new URL(address, baseUrl).pathname) ?? ''}`;
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue;
    seen.add(next);
    const pathname = new URL(next, baseUrl).pathname;
    const route = routeOf(pathname);
    if (!route || DOWNLOADS.has(route)) {
      if (route) reached.add(route);
      continue;
    }
    const key = `${audience} ${route}`;
    const times = opened.get(key) ?? 0;
    if (times >= OPENED_PER_ROUTE) continue;
    opened.set(key, times + 1);
    const response = await page.goto(`${baseUrl}${next}`).catch((error: unknown) => {
      if (String(error).includes('Download is starting')) return 'download' as const;
      throw error;
    });
    if (response === 'download') {
      problems.push(`${route} answers a file: name it in DOWNLOADS`);
      continue;
    }
    const status = response?.status() ?? 0;
    reached.add(route);
    if (status >= 400) {
      problems.push(`a link to ${next} answers ${status}`);
      continue;
    }
    // A redirect lands elsewhere: that address is reached by its own link if anyone links it.
    if (new URL(page.url()).pathname !== pathname) continue;
    if (!checked.has(key)) {
      checked.add(key);
      await checks.check(page).catch((error: unknown) => problems.push(String(error)));
    }
    // Links to routes not opened yet go first, so every route is reached before any is opened again.
    for (const link of await linksOn(page)) {
      if (opened.has(keyOf(link))) queue.push(link);
      else queue.unshift(link);
    }
  }
  return problems;
}

test(
  'someone not signed in: the sign-in pages and the accessibility statement pass the checks',
  async () => {
    const checks = new PageChecks(browser);
    const context = await newPersonContext(browser, { javaScript: true });
    context.setDefaultTimeout(BOUNDS.browserAction);
    const page = checks.watch(await context.newPage());
    expect(await walk(page, checks, 'anonymous', ['/sign-in', '/signed-out', '/accessibility'])).toEqual([]);
    expect(checks.scannedCount).toBeGreaterThan(2);
    await context.close();
  },
  BOUNDS.browser,
);

// A person reaches a hundred pages or so: more than one journey step's worth of work.
const WALK_BOUND = BOUNDS.browser * 2;

describe.each(WALKERS)('the demo $name', ({ role, membership }) => {
  test(
    'every page they can reach by a link passes the checks',
    async () => {
      const user = await db.prisma.user.findFirstOrThrow({
        where: {
          role,
          active: true,
          ...(membership ? { memberships: { some: membership } } : {}),
        },
        orderBy: { email: 'asc' },
      });
      const checks = new PageChecks(browser);
      const context = await newPersonContext(browser, { javaScript: true });
      context.setDefaultTimeout(BOUNDS.browserAction);
      const page = checks.watch(await context.newPage());
      await page.goto(`${baseUrl}/sign-in/local`);
      await page.locator(`input[name="userId"][value="${user.id}"]`).check();
      await Promise.all([
        page.waitForEvent('load'),
        page.getByRole('button', { name: 'Sign in', exact: true }).click(),
      ]);
      expect(new URL(page.url()).pathname).toBe('/');
      const audience = role === 'provider_lead' ? 'provider' : 'staff';
      expect(await walk(page, checks, audience, ['/'])).toEqual([]);
      // Sign-out is a form; a signed-in walk must not have left by a link.
      expect(new URL(page.url()).pathname).not.toBe('/sign-in');
      await context.close();
    },
    WALK_BOUND,
  );
});

test('every GET route is reached by a link, or named with the reason it is not', () => {
  const missing = getRoutes.filter((route) => !reached.has(route) && !(route in NOT_LINKED));
  expect(missing).toEqual([]);
  // A route named as not linked that a link now reaches: take it off the list.
  expect(Object.keys(NOT_LINKED).filter((route) => reached.has(route))).toEqual([]);
});
