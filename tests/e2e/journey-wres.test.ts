import type { Page } from 'playwright-core';
import { entriesOf } from '../../src/workforce/entry.js';
import { readWorkforceStandards } from '../../src/workforce/indicator-files.js';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import { follow, newPersonContext, PageChecks, signInLocally } from '../support/browser.js';
import { createTwoProviderWorld } from '../support/fixtures.js';

// Issue 17: an NHS trust's lead completes and submits a WRES return in Chromium with JavaScript off,
// every indicator from its form, and a contract manager accepts it. Every page passes the checks
// (axe, html-validate, reflow at 320 px, a title of its own); screenshots at 1280 and 320 CSS px.

let baseUrl: string;
let checks: PageChecks;
let lead: Page;
let manager: Page;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
const cleanups: (() => Promise<unknown>)[] = [];

const WRES = (() => {
  const found = readWorkforceStandards().find((standard) => standard.code === 'WRES');
  if (!found) throw new Error('no WRES standard file');
  return found;
})();

/** What the lead types for each indicator (indicator 1: a count per group per band, 0 where none). */
function figuresFor(code: string): Record<string, string> {
  const given: Record<string, Record<string, string>> = {
    '1': {
      'non-clinical-2-white': '30',
      'non-clinical-2-bme': '10',
      'clinical-5-white': '50',
      'clinical-5-bme': '40',
      'clinical-5-unknown': '10',
      'clinical-vsm-white': '6',
      'clinical-vsm-bme': '2',
    },
    '2': { 'white-outOf': '300', 'white-events': '45', 'bme-outOf': '150', 'bme-events': '12' },
    '3': { 'bme-outOf': '400', 'bme-events': '6', 'white-outOf': '1600', 'white-events': '20' },
    '4': { 'white-outOf': '2000', 'white-events': '900', 'bme-outOf': '500', 'bme-events': '150' },
    '5': { white: '25.5', bme: '30' },
    '6': { white: '20', bme: '27.4' },
    '7': { white: '58.2', bme: '44.9' },
    '8': { white: '6.1', bme: '14.3' },
    '9': { boardGroup: '2', boardTotal: '12', workforceGroup: '500', workforceTotal: '2500' },
  };
  const entry = entriesOf(WRES).find((item) => item.code === code);
  return Object.fromEntries(
    (entry?.fields ?? []).map((field) => [field.name, given[code]?.[field.name] ?? '0']),
  );
}

beforeAll(async () => {
  const started = await startBrowserApp(cleanups);
  const browser = started.browser;
  baseUrl = started.baseUrl;
  const db = started.db;
  world = await createTwoProviderWorld(db.prisma);
  started.serve(buildTestApp(db));
  checks = new PageChecks(browser);
  for (const set of [(page: Page) => (lead = page), (page: Page) => (manager = page)]) {
    const context = await newPersonContext(browser, { javaScript: false });
    context.setDefaultTimeout(BOUNDS.browserAction);
    set(checks.watch(await context.newPage()));
  }
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

let returnUrl: string;

test('the lead starts a WRES return for the trust', async () => {
  await signInLocally(lead, baseUrl, world.leadA.displayName);
  await lead.goto(`${baseUrl}/providers/${world.providerA.id}/workforce`);
  await checks.checkBothWidths(lead);
  await lead.getByRole('radio', { name: 'Workforce Race Equality Standard (WRES)' }).check();
  await lead.getByLabel('Year of the data').selectOption('2025');
  await follow(lead, lead.getByRole('button', { name: 'Start return', exact: true }));
  expect(await checks.check(lead)).toMatch(/^WRES return, 2025 data \(as at 31 March 2025\)/);
  returnUrl = lead.url().split('?')[0] ?? '';
});

test('the lead enters every indicator from its form and reads what it gives', async () => {
  for (const entry of entriesOf(WRES)) {
    await lead.goto(`${returnUrl}/indicators/${entry.code}`);
    for (const [name, value] of Object.entries(figuresFor(entry.code)))
      await lead.locator(`input[name="${name}"]`).fill(value);
    await follow(lead, lead.getByRole('button', { name: 'Save and work it out', exact: true }));
    expect(lead.url()).toContain('done=saved');
    const title =
      entry.code === '1' || entry.code === '2'
        ? await checks.checkBothWidths(lead, `wres-indicator-${entry.code}`)
        : await checks.check(lead);
    expect(title).toMatch(new RegExp(`^WRES indicator ${entry.code}: `));
  }
  // Indicator 1: BME 52 of 148 staff = 35.1%, each band's shares in a table that scrolls on its own.
  await lead.goto(`${returnUrl}/indicators/1`);
  await expect(
    lead.getByText('Black and minority ethnic (BME) staff: 35.1% of the workforce').isVisible(),
  ).resolves.toBe(true);
  await expect(
    lead.getByRole('region', { name: 'Clinical staff by band (scrolls sideways)', exact: true }).innerText(),
  ).resolves.toContain('Whole workforce');
});

test('the lead checks the answers and submits', async () => {
  await lead.goto(returnUrl);
  await follow(lead, lead.getByRole('link', { name: 'Check your answers and submit', exact: true }));
  await checks.checkBothWidths(lead, 'wres-check-answers');
  await follow(lead, lead.getByRole('button', { name: 'Submit return', exact: true }));
  await checks.check(lead);
  await expect(
    lead.getByText('The return has been submitted to the integrated care board for review.').isVisible(),
  ).resolves.toBe(true);
});

test('the contract manager accepts it, and the trust’s trends show it', async () => {
  await signInLocally(manager, baseUrl, world.manager.displayName);
  await manager.goto(returnUrl);
  await checks.check(manager);
  await manager.getByRole('radio', { name: 'Accept the return' }).check();
  await follow(manager, manager.getByRole('button', { name: 'Save decision', exact: true }));
  await checks.check(manager);
  await expect(manager.getByText('The return has been accepted.').isVisible()).resolves.toBe(true);
  await follow(manager, manager.getByRole('link', { name: /^WRES trends over three years/ }));
  await checks.checkBothWidths(manager, 'wres-trends');
  await follow(
    manager,
    manager.getByRole('link', { name: 'WRES indicator 2 across providers', exact: true }),
  );
  const title = await checks.checkBothWidths(manager, 'wres-indicator-2-across-providers');
  expect(title).toMatch(/^WRES indicator 2 across providers/);
  await expect(manager.locator('svg.app-chart').isVisible()).resolves.toBe(true);
});
