import type { Page } from 'playwright-core';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import { follow, newPersonContext, PageChecks, saveScreenshot } from '../support/browser.js';
import { createPeriod, createReturn, createTwoProviderWorld, frameworkVersion } from '../support/fixtures.js';
import { answerReturn } from '../support/review-fixtures.js';

// Issue 14: a provider lead opens their EDS 2022 return's report in Chromium with JavaScript off,
// reads it at 1280 and 320 CSS px and as printed (print media), and every view passes the checks
// (axe, html-validate, reflow at 320 px, a title of its own). Screenshots for the README.

let baseUrl: string;
let checks: PageChecks;
let page: Page;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let returnId: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const started = await startBrowserApp(cleanups);
  const browser = started.browser;
  baseUrl = started.baseUrl;
  const db = started.db;
  world = await createTwoProviderWorld(db.prisma);
  const ret = await createReturn(db.prisma, {
    contractId: world.contractA.id,
    providerId: world.providerA.id,
    frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', '2022')).id,
    periodId: (await createPeriod(db.prisma, '2026/27')).id,
  });
  returnId = ret.id;
  await answerReturn(db.prisma, returnId, world.leadA.id, (code) => ({
    rating: code.startsWith('1') ? 'achieving' : 'developing',
    narrative:
      `For ${code} the panel looked at complaints, audits and survey results by protected characteristic, ` +
      'and at what patients and staff networks told the grading session.',
    ...(code === '2B'
      ? {
          action: {
            description: 'Train every line manager in handling reports of harassment within six months',
            owner: 'Director of people',
            dueDate: new Date('2027-09-30'),
          },
        }
      : {}),
  }));
  await db.prisma.gradingRecord.create({
    data: {
      returnId,
      firstDate: new Date('2027-01-12'),
      lastDate: null,
      groups: ['patients-community', 'staff-networks', 'trade-unions'],
      howAgreed: 'Scores were agreed by consensus at the grading panel.',
      dissent: '',
      updatedById: world.leadA.id,
      updatedAt: new Date('2027-01-12T16:00:00Z'),
    },
  });
  started.serve(buildTestApp(db));
  checks = new PageChecks(browser);
  const context = await newPersonContext(browser, { javaScript: false });
  context.setDefaultTimeout(BOUNDS.browserAction);
  page = checks.watch(await context.newPage());
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test('the lead reads the EDS report at 1280 and 320 px and as printed', async () => {
  await page.goto(`${baseUrl}/sign-in/local`);
  await page.getByRole('radio', { name: world.leadA.displayName }).check();
  await follow(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  await page.goto(`${baseUrl}/returns/${returnId}`);
  await checks.check(page);
  await follow(page, page.getByRole('link', { name: 'EDS report for 2026/27', exact: true }));
  expect(await checks.check(page)).toMatch(/^EDS report: Alpha Hospitals NHS Trust, 2026\/27 - /);
  for (const name of [
    'About this report',
    'Domain 1: Commissioned or provided services',
    'Overall rating',
    'Who graded the outcomes',
    'Action plan',
  ]) {
    await expect(page.getByRole('heading', { name, level: 2 }).isVisible()).resolves.toBe(true);
  }
  await expect(
    page.getByRole('table', { name: 'Domain scores, total and overall rating' }).innerText(),
  ).resolves.toContain('15 out of 33');
  await saveScreenshot(page, 'eds-report');

  await page.setViewportSize({ width: 320, height: 900 });
  await checks.check(page, { scan: false });
  await saveScreenshot(page, 'eds-report-320');
  await page.setViewportSize({ width: 1280, height: 900 });

  // Printed: the header, navigation, back link and links to other pages are left out.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header.nhsuk-header').isVisible()).resolves.toBe(false);
  await expect(
    page.getByRole('link', { name: /Download this report as a spreadsheet/ }).isVisible(),
  ).resolves.toBe(false);
  await expect(page.getByRole('heading', { name: 'Action plan', level: 2 }).isVisible()).resolves.toBe(true);
  await saveScreenshot(page, 'eds-report-print');
  await page.emulateMedia({ media: 'screen' });
});
