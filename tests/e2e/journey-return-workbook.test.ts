import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { pathTo, paths } from '../../src/paths.js';
import { ANSWERS_SHEET } from '../../src/returns/workbook-file.js';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import type { TestDatabase } from '../support/database.js';
import { follow, newPersonContext, PageChecks, saveScreenshot } from '../support/browser.js';
import { createTwoProviderWorld } from '../support/fixtures.js';

// Issue 15: a provider lead round-trips their return through a spreadsheet in Chromium. They download
// the workbook from the return's page; the test fills it in as the lead would in a spreadsheet program
// (a rating picked from each row's drop-down list, a narrative); the lead uploads it, checks the
// preview, saves it, and the return shows the answers. Every page is checked (axe, html-validate,
// titles, reflow at 320 px); the upload and the preview are saved at 1280 and 320 px.

let baseUrl: string;
let checks: PageChecks;
let page: Page;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let db: TestDatabase;
const cleanups: (() => Promise<unknown>)[] = [];

const link = (name: string | RegExp) => page.getByRole('link', { name, exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });

/** The page at 1280 px and at 320 px wide, for the README. */
async function screenshots(name: string): Promise<void> {
  await saveScreenshot(page, name);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: size?.height ?? 900 });
  await saveScreenshot(page, `${name}-320`);
  if (size) await page.setViewportSize(size);
}

/** The choices of a rating cell's drop-down list: the cells of the range its validation names. */
function dropDownChoices(workbook: ExcelJS.Workbook, cell: ExcelJS.Cell): string[] {
  const formula = String(cell.dataValidation.formulae[0] ?? '');
  const match = /^'([^']+)'!\$([A-Z]+)\$(\d+):\$[A-Z]+\$(\d+)$/.exec(formula);
  const sheet = match?.[1] ? workbook.getWorksheet(match[1]) : undefined;
  if (!match?.[2] || !sheet) throw new Error(`Not a drop-down list: ${formula}`);
  const column = match[2];
  const choices: string[] = [];
  for (let row = Number(match[3]); row <= Number(match[4]); row += 1)
    choices.push(sheet.getCell(`${column}${String(row)}`).text);
  return choices;
}

beforeAll(async () => {
  const started = await startBrowserApp(cleanups);
  const browser = started.browser;
  baseUrl = started.baseUrl;
  db = started.db;
  world = await createTwoProviderWorld(db.prisma);
  started.serve(buildTestApp(db));
  checks = new PageChecks(browser);
  const context = await newPersonContext(browser, { javaScript: true });
  context.setDefaultTimeout(BOUNDS.browserAction);
  page = checks.watch(await context.newPage());
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test('a provider lead downloads their return as a workbook, fills it in, uploads it and saves it', async () => {
  await page.goto(`${baseUrl}/sign-in/local`);
  await page.getByRole('radio', { name: world.leadA.displayName }).check();
  await follow(page, button('Sign in'));
  await page.goto(`${baseUrl}${pathTo(paths.returns.show, { returnId: world.returnA.id })}`);
  expect(await checks.check(page)).toContain('Alpha Hospitals NHS Trust');
  await expect(page.locator('#progress').innerText()).resolves.toMatch(/^You have completed 0 of \d+ /);

  const downloading = page.waitForEvent('download');
  await link('Download this return as a spreadsheet (Excel workbook)').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^Alpha Hospitals NHS Trust .* return .*\.xlsx$/);
  const downloaded = await readFile(await download.path());

  // Filled in as the lead would: each rating picked from its row's drop-down list, a narrative each.
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(downloaded as never);
  const sheet = workbook.getWorksheet(ANSWERS_SHEET);
  if (!sheet) throw new Error('no Answers sheet');
  const filled: { code: string; rating: string; narrative: string }[] = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const choices = dropDownChoices(workbook, row.getCell(4));
    const rating = choices[number % 2] ?? '';
    const narrative = `Journey narrative for ${row.getCell(1).text}: we ask every patient at booking.`;
    row.getCell(4).value = rating;
    row.getCell(6).value = narrative;
    filled.push({ code: row.getCell(1).text, rating, narrative });
  });
  expect(filled.length).toBeGreaterThan(1);
  const content = Buffer.from(await workbook.xlsx.writeBuffer());

  await follow(page, link('Upload your filled-in workbook'));
  expect(await checks.check(page)).toMatch(/^Upload your filled-in workbook - Alpha Hospitals NHS Trust/);
  await screenshots('return-workbook-upload');
  await follow(page, button('Check the workbook'));
  expect(await checks.check(page)).toMatch(/^Error: Upload your filled-in workbook - /);
  expect(await page.getByRole('alert').innerText()).toContain('Select the workbook to upload');
  await page.getByLabel('Choose the workbook').setInputFiles({
    name: 'my return.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: content,
  });
  await follow(page, button('Check the workbook'));

  expect(await checks.check(page)).toMatch(/^Check what your workbook changes - Alpha Hospitals NHS Trust/);
  const preview = await page.locator('main').innerText();
  // Every requirement changes: no line about unchanged ones.
  expect(preview).not.toContain('the same as online');
  for (const answer of filled) {
    expect(preview).toContain(`${answer.code} `);
    expect(preview).toContain(answer.narrative);
    expect(preview).toContain(answer.rating);
  }
  await screenshots('return-workbook-preview');
  await follow(page, button('Save these changes'));

  // Back on the return: every requirement answered, and the answers as saved.
  expect(page.url()).toBe(`${baseUrl}${pathTo(paths.returns.show, { returnId: world.returnA.id })}`);
  expect(await checks.check(page)).toContain('Alpha Hospitals NHS Trust');
  await expect(page.locator('#progress').innerText()).resolves.toBe(
    `You have completed ${String(filled.length)} of ${String(filled.length)} requirements.`,
  );
  await follow(page, button('Check your answers'));
  await checks.check(page);
  const answers = await page.locator('main').innerText();
  for (const answer of filled) {
    expect(answers).toContain(answer.narrative);
    expect(answers).toContain(answer.rating);
  }
  expect(checks.sharedTitles()).toEqual([]);
  expect(checks.scannedCount).toBe(6);
});
