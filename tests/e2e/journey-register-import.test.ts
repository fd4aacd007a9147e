import type { Page } from 'playwright-core';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import type { TestDatabase } from '../support/database.js';
import { follow, newPersonContext, PageChecks } from '../support/browser.js';
import { createTwoProviderWorld } from '../support/fixtures.js';
import { csvFile } from '../support/register-files.js';

// A contract manager imports a register file in Chromium with JavaScript off (the forms work without
// it): the upload page, a refusal, the preview with a refused row, the import, and the result. Every
// page is checked (axe, html-validate, titles).

let baseUrl: string;
let checks: PageChecks;
let page: Page;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let db: TestDatabase;
const cleanups: (() => Promise<unknown>)[] = [];

const link = (name: string | RegExp) => page.getByRole('link', { name, exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });

beforeAll(async () => {
  const started = await startBrowserApp(cleanups);
  const browser = started.browser;
  baseUrl = started.baseUrl;
  db = started.db;
  world = await createTwoProviderWorld(db.prisma);
  started.serve(buildTestApp(db));
  checks = new PageChecks(browser);
  const context = await newPersonContext(browser, { javaScript: false });
  context.setDefaultTimeout(BOUNDS.browserAction);
  page = checks.watch(await context.newPage());
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test('a contract manager imports a register file, without JavaScript', async () => {
  await page.goto(`${baseUrl}/sign-in/local`);
  await page.getByRole('radio', { name: world.manager.displayName }).check();
  await follow(page, button('Sign in'));
  await follow(page, link('Providers'));
  await follow(page, link('Import providers, contracts and leads from a file'));
  expect(await checks.check(page)).toMatch(/^Import providers from a file - /);

  await follow(page, button('Check the file'));
  expect(await checks.check(page)).toMatch(/^Error: Import providers from a file - /);
  expect(await page.getByRole('alert').innerText()).toContain('Select a CSV or Excel file to import');

  const empty = ['', '', '', '', '', '', '', '', ''];
  await page.getByLabel('Choose the file').setInputFiles({
    name: 'register.csv',
    mimeType: 'text/csv',
    buffer: csvFile([
      [
        'ODS code',
        'Provider name',
        'Provider type',
        'Contract reference',
        'Contract start date',
        'Contract end date',
        'Contract manager email',
        'Standards',
        'Lead 1 email',
        'Lead 1 name',
        'Lead 2 email',
        'Lead 2 name',
      ],
      ['JR1', 'Journey Hospitals NHS Trust', 'Acute trust', ...empty],
      [
        'JR2',
        'Journey Hospice',
        'Hospice',
        'ICB-J-2',
        '01/04/2026',
        '',
        world.manager.email,
        'AIS',
        'jo@example.org',
        'Jo',
        '',
        '',
      ],
      ['J', 'Broken Row', 'Hospice', ...empty],
    ]),
  });
  await follow(page, button('Check the file'));
  expect(await checks.check(page)).toMatch(/^Check the changes before importing - /);
  const errors = page.getByRole('table', { name: 'Rows with errors' });
  expect(await errors.innerText()).toContain('ODS code must be 3 to 10 letters and numbers');
  expect(await page.getByRole('table', { name: 'What will change' }).innerText()).toContain(
    'Invite jo@example.org as a lead',
  );

  await follow(page, button('Import these changes'));
  expect(await checks.check(page)).toMatch(/^Providers imported - /);
  expect(await db.prisma.provider.count({ where: { odsCode: { in: ['JR1', 'JR2'] } } })).toBe(2);

  // NHS England's GP practices file, adding the practices that are not on the register yet.
  await follow(page, link('import another file'));
  await follow(page, link('load providers from an ODS file'));
  expect(await checks.check(page)).toMatch(/^Load providers from an ODS file - /);
  await follow(page, button('Check the file'));
  expect(await checks.check(page)).toMatch(/^Error: Load providers from an ODS file - /);
  await page.getByLabel('GP practices (epraccur.csv)').check();
  await page.getByLabel('Add the open organisations in the file that are not on the register yet').check();
  const practice = Array.from({ length: 27 }, () => '');
  practice[0] = 'J86001';
  practice[1] = 'JOURNEY SURGERY';
  practice[12] = 'A';
  practice[25] = '4';
  await page.getByLabel('Choose the file').setInputFiles({
    name: 'epraccur.csv',
    mimeType: 'text/csv',
    buffer: csvFile([practice]),
  });
  await follow(page, button('Check the file'));
  expect(await checks.check(page)).toMatch(/^Check the changes before importing - /);
  await follow(page, button('Import these changes'));
  expect(await checks.check(page)).toMatch(/^Providers imported - /);
  expect(await db.prisma.provider.count({ where: { odsCode: 'J86001', type: 'gp_practice' } })).toBe(1);
});
