import type { Browser, Page } from 'playwright-core';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import { follow, newPersonContext, PageChecks, saveScreenshot } from '../support/browser.js';
import { pdfFile } from '../support/evidence-files.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createProviderLead,
  createReturn,
  createUser,
  frameworkVersion,
} from '../support/fixtures.js';

// Issue 17 in Chromium with JavaScript off: a provider lead records their modern slavery statement
// (web address, date published, a copy of the document), and a contract manager sees it in the
// matrix's publication column, checks it, and sees the column change again. Every page is checked
// (axe, html-validate, reflow at 320 px, its title); screenshots at 1280 and 320 px for the README.

// A frozen day: the statement for 2026/27 fell due on 30 September 2026 (6 months after a March year end).
const TODAY = new Date('2026-11-20T10:00:00Z');
const PROVIDER = 'Oakwood Independent Hospital';
const STATEMENT_URL = 'https://www.oakwood.example.org/modern-slavery-statement-2026';

let baseUrl: string;
let browser: Browser;
let checks: PageChecks;
let lead: { displayName: string };
let manager: { id: string; displayName: string };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const started = await startBrowserApp(cleanups);
  browser = started.browser;
  baseUrl = started.baseUrl;
  const db = started.db;
  manager = await createUser(db.prisma, { role: 'contract_manager', displayName: 'Cora Manager' });
  const provider = await createProvider(db.prisma, {
    name: PROVIDER,
    type: 'independent_provider',
    sector: 'independent',
    headcountBand: 'from_250_to_999',
    turnoverBand: 'from_36m_to_under_100m',
    financialYearEndMonth: 3,
    providesMentalHealthServices: false,
  });
  lead = await createProviderLead(db.prisma, provider.id, { displayName: 'Priya Lead' });
  const contract = await createContract(db.prisma, provider.id, manager.id);
  await createReturn(db.prisma, {
    contractId: contract.id,
    providerId: provider.id,
    frameworkVersionId: (await frameworkVersion(db.prisma, 'AIS', '2025')).id,
    periodId: (await createPeriod(db.prisma, '2026/27')).id,
  });
  started.serve(buildTestApp(db, { clock: () => TODAY }));
  checks = new PageChecks(browser);
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function signIn(name: string): Promise<Page> {
  const context = await newPersonContext(browser, { javaScript: false });
  context.setDefaultTimeout(BOUNDS.browserAction);
  const page = checks.watch(await context.newPage());
  await page.goto(`${baseUrl}/sign-in/local`);
  await checks.check(page);
  await page.getByRole('radio', { name }).check();
  await follow(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  await checks.check(page);
  return page;
}

/** The provider's cell in the matrix's modern slavery column, as text. */
async function modernSlaveryCell(page: Page): Promise<string> {
  const table = page.locator('#matrix');
  const headers = await table.locator('thead th').allInnerTexts();
  const column = headers.findIndex((text) => text.startsWith('Modern slavery'));
  expect(column).toBeGreaterThan(0);
  const row = table.locator('tbody tr', { has: page.getByRole('link', { name: PROVIDER, exact: true }) });
  return (await row.locator('th, td').nth(column).innerText()).replace(/\s+/g, ' ').trim();
}

async function filterMatrixToModernSlavery(page: Page): Promise<void> {
  await page.getByText('More filters: type, manager, overdue, publications').click();
  await page.getByLabel('Publication', { exact: true }).selectOption({ label: 'Modern slavery statement' });
  await follow(page, page.getByRole('button', { name: 'Apply filters' }));
}

test('a lead records the modern slavery statement with a copy; the contract manager sees it in the matrix and checks it', async () => {
  // The contract manager's matrix, before: overdue.
  const staff = await signIn(manager.displayName);
  await filterMatrixToModernSlavery(staff);
  await checks.check(staff);
  expect(await modernSlaveryCell(staff)).toBe('Overdue 51 days since it was due on 30 September 2026');

  // The lead (of this provider alone) finds their provider's publications from the menu: straight to
  // its page, not an overview of one row.
  const page = await signIn(lead.displayName);
  await follow(page, page.getByRole('link', { name: 'Equality publications', exact: true }));
  expect(await checks.checkBothWidths(page, 'publications-provider-lead')).toMatch(
    /^Equality publications, 2026\/27: Oakwood Independent Hospital - /,
  );
  const row = page.locator('#obligation-modern-slavery-statement');
  await expect(row.innerText()).resolves.toContain('Overdue');
  await follow(page, page.getByRole('link', { name: 'Record the Modern slavery statement' }));
  expect(await checks.checkBothWidths(page, 'publications-record')).toMatch(
    /^Modern slavery statement, 2026\/27: Oakwood Independent Hospital - /,
  );

  // A mistake first: the form says what to fix and keeps what was typed.
  await page.getByLabel('Web address where it is published').fill('not a web address');
  await page.getByLabel('Day').fill('29');
  await page.getByLabel('Month').fill('9');
  await page.getByLabel('Year').fill('2026');
  await follow(page, page.getByRole('button', { name: 'Save publication' }));
  expect(await checks.check(page)).toMatch(/^Error: /);
  await expect(page.getByLabel('Day').inputValue()).resolves.toBe('29');
  await saveScreenshot(page, 'publications-record-error');

  await page.getByLabel('Web address where it is published').fill(STATEMENT_URL);
  await page.getByLabel('A copy of the document (optional)').setInputFiles({
    name: 'modern-slavery-statement-2026.pdf',
    mimeType: 'application/pdf',
    buffer: pdfFile(),
  });
  await follow(page, page.getByRole('button', { name: 'Save publication' }));
  await checks.checkBothWidths(page, 'publications-provider-recorded');
  await expect(page.getByRole('alert').innerText()).resolves.toContain('The publication has been recorded.');
  const recorded = (await row.innerText()).replace(/\s+/g, ' ');
  expect(recorded).toContain('Published, not checked yet');
  expect(recorded).toContain(STATEMENT_URL);
  expect(recorded).toContain('On 29 September 2026.');
  expect(recorded).toContain('modern-slavery-statement-2026.pdf');
  // A lead records; only the commissioner checks.
  await expect(page.getByRole('button', { name: /Mark as checked/ }).count()).resolves.toBe(0);

  // The contract manager sees the change in the matrix column, follows it and checks the statement.
  await staff.reload();
  await checks.check(staff);
  expect(await modernSlaveryCell(staff)).toMatch(/^Published, not checked yet /);
  await follow(staff, staff.getByRole('link', { name: `Publications of ${PROVIDER}` }));
  await checks.checkBothWidths(staff);
  await follow(staff, staff.getByRole('button', { name: /^Mark as checked/ }));
  await checks.check(staff);
  await expect(staff.getByRole('alert').innerText()).resolves.toContain(
    'The publication has been marked as checked.',
  );
  await expect(staff.locator('#obligation-modern-slavery-statement').innerText()).resolves.toMatch(
    /Checked[\s\S]*Cora Manager/,
  );

  await staff.goBack();
  await staff.goBack();
  await staff.reload();
  await checks.check(staff);
  expect(await modernSlaveryCell(staff)).toMatch(/^Checked /);
  await checks.checkBothWidths(staff, 'publications-matrix-checked');
});
