import type { Browser, Page } from 'playwright-core';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import { follow, newPersonContext, PageChecks } from '../support/browser.js';
import { createTwoProviderWorld } from '../support/fixtures.js';

// Issue 14: the actions list and the provider page's open actions in Chromium with JavaScript off:
// a contract manager narrows the list to overdue actions with the form, follows an action's provider
// to its page; a provider lead reads their own list. Every page passes the checks (axe,
// html-validate, reflow at 320 px, a title of its own).

let baseUrl: string;
let browser: Browser;
let checks: PageChecks;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
const cleanups: (() => Promise<unknown>)[] = [];
const NOW = new Date('2027-01-15T10:00:00Z');

async function signedIn(displayName: string): Promise<Page> {
  const context = await newPersonContext(browser, { javaScript: false });
  context.setDefaultTimeout(BOUNDS.browserAction);
  const page = checks.watch(await context.newPage());
  await page.goto(`${baseUrl}/sign-in/local`);
  await page.getByRole('radio', { name: displayName }).check();
  await follow(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  return page;
}

beforeAll(async () => {
  const started = await startBrowserApp(cleanups);
  browser = started.browser;
  baseUrl = started.baseUrl;
  const db = started.db;
  world = await createTwoProviderWorld(db.prisma);
  const requirement = await db.prisma.requirement.findFirstOrThrow({
    where: { frameworkVersionId: world.ais.id },
    orderBy: { code: 'asc' },
  });
  const actions: [string, string, 'not_started' | 'in_progress' | 'done', string][] = [
    [
      world.providerA.id,
      'Train reception staff to ask about communication needs',
      'not_started',
      '2026-12-01',
    ],
    [world.providerA.id, 'Add easy-read appointment letters', 'in_progress', '2027-03-31'],
    [world.providerA.id, 'Audit flags on the patient record', 'done', '2026-11-01'],
    [world.providerB.id, 'Buy a hearing loop for the lounge', 'not_started', '2026-10-01'],
  ];
  for (const [providerId, description, status, due] of actions)
    await db.prisma.action.create({
      data: {
        providerId,
        description,
        owner: 'Practice manager',
        status,
        dueDate: new Date(due),
        links: { create: { requirementId: requirement.id } },
      },
    });
  started.serve(buildTestApp(db, { clock: () => NOW }));
  checks = new PageChecks(browser);
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test('a contract manager narrows the actions list to overdue ones and opens a provider’s page', async () => {
  const page = await signedIn(world.manager.displayName);
  await follow(page, page.getByRole('link', { name: 'Actions', exact: true }));
  expect(await checks.check(page)).toMatch(/^Actions - /);
  await page.getByRole('checkbox', { name: 'Only overdue actions' }).check();
  await follow(page, page.getByRole('button', { name: 'Apply filters' }));
  await checks.check(page);
  const table = await page.getByRole('table', { name: 'Actions, soonest due first' }).innerText();
  expect(table).toContain('Buy a hearing loop for the lounge');
  expect(table).toContain('Due 1 December 2026: 45 days overdue');
  expect(table).not.toContain('Add easy-read appointment letters');
  await page.setViewportSize({ width: 320, height: 900 });
  await checks.check(page, { scan: false });
  await page.setViewportSize({ width: 1280, height: 900 });

  await follow(page, page.getByRole('link', { name: 'Alpha Hospitals NHS Trust', exact: true }).first());
  await checks.check(page);
  const open = await page.locator('#actions').locator('..').innerText();
  expect(open).toContain('Add easy-read appointment letters');
  expect(open).not.toContain('Audit flags on the patient record');
  await follow(page, page.getByRole('link', { name: /^All actions of Alpha Hospitals NHS Trust/ }));
  await checks.check(page);
});

test('a provider lead reads only their own provider’s actions', async () => {
  const page = await signedIn(world.leadB.displayName);
  await follow(page, page.getByRole('link', { name: 'Actions', exact: true }));
  await checks.check(page);
  const text = await page.locator('main').innerText();
  expect(text).toContain('Buy a hearing loop for the lounge');
  expect(text).not.toContain('Alpha');
});
