import type { Page } from 'playwright-core';
import { buildTestApp } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { startBrowserApp } from '../support/browser-app.js';
import { follow, newPersonContext, PageChecks, signInLocally } from '../support/browser.js';
import { createPeriod, createReturn, createTwoProviderWorld, frameworkVersion } from '../support/fixtures.js';

// Issue 14: an NHS trust's lead completes an EDS 2022 return in Chromium with JavaScript off, as
// grading panels do it: two services assessed in Domain 1 (each scored on 1A-1D), Domains 2 and 3
// once, and the record of who graded. A contract manager accepts it, and the EDS report combines the
// services' Domain 1 totals by the rule in the standard's data (their mean). Every page passes the
// checks (axe, html-validate, reflow at 320 px, a title of its own); screenshots at 1280 and 320 px.

let baseUrl: string;
let checks: PageChecks;
let lead: Page;
let manager: Page;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let returnUrl: string;
const cleanups: (() => Promise<unknown>)[] = [];

// Maternity scores Achieving (2) on each of 1A-1D: 8. Community mental health Developing (1): 4.
// Domain 1 is their mean, 6; Domain 2 Developing on 2A-2D: 4; Domain 3 Achieving on 3A-3C: 6.
// Overall 16 out of 33: Developing (8-21).
const SERVICES = [
  {
    name: 'Maternity services',
    why: 'Complaints from women whose first language is not English rose last year.',
    level: 'Achieving',
  },
  {
    name: 'Community mental health',
    why: 'Waiting times differ by ethnicity in the community mental health teams.',
    level: 'Developing',
  },
] as const;
const DOMAIN_1 = ['1A', '1B', '1C', '1D'];
const LATER_DOMAINS: [string, string][] = [
  ['2A', 'Developing'],
  ['2B', 'Developing'],
  ['2C', 'Developing'],
  ['2D', 'Developing'],
  ['3A', 'Achieving'],
  ['3B', 'Achieving'],
  ['3C', 'Achieving'],
];

/** Answers the outcome open in `page` with a rating and a narrative, and saves it. */
async function answer(page: Page, level: string, narrative: string): Promise<void> {
  await page.getByRole('radio', { name: level, exact: true }).check();
  await page.locator('#narrative').fill(narrative);
  await follow(page, page.getByRole('button', { name: 'Save and continue', exact: true }));
  await checks.check(page, { scan: false });
}

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
  returnUrl = `${baseUrl}/returns/${ret.id}`;
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

test('the lead names the two services the panel assessed, after an empty name is refused', async () => {
  await signInLocally(lead, baseUrl, world.leadA.displayName);
  await lead.goto(returnUrl);
  await checks.checkBothWidths(lead);
  await follow(lead, lead.getByRole('link', { name: /^Services assessed in Domain 1/ }));
  expect(await checks.check(lead)).toMatch(/^Services assessed - /);

  // A new return starts with one service, "All services": the lead renames it for the first one.
  await expect(lead.locator('main').innerText()).resolves.toContain('All services');
  await follow(lead, lead.getByRole('link', { name: 'Change All services', exact: true }));
  await checks.check(lead);
  await lead.getByLabel('Name of the service').fill('');
  await lead.getByLabel('Why you chose this service').fill(SERVICES[0].why);
  await follow(lead, lead.getByRole('button', { name: 'Save service', exact: true }));
  expect(await checks.check(lead)).toMatch(/^Error: /);
  // What was typed is kept.
  await expect(lead.getByLabel('Why you chose this service').inputValue()).resolves.toBe(SERVICES[0].why);
  await lead.getByLabel('Name of the service').fill(SERVICES[0].name);
  await follow(lead, lead.getByRole('button', { name: 'Save service', exact: true }));
  await checks.check(lead, { scan: false });

  await follow(lead, lead.getByRole('link', { name: 'Add another service', exact: true }));
  await lead.getByLabel('Name of the service').fill(SERVICES[1].name);
  await lead.getByLabel('Why you chose this service').fill(SERVICES[1].why);
  await follow(lead, lead.getByRole('button', { name: 'Save service', exact: true }));
  await checks.checkBothWidths(lead, 'eds-services');
  const listed = await lead.locator('main').innerText();
  for (const service of SERVICES) {
    expect(listed).toContain(service.name);
    expect(listed).toContain(service.why);
  }
});

test('the lead scores 1A-1D for each service, then Domains 2 and 3 once', async () => {
  for (const service of SERVICES) {
    for (const code of DOMAIN_1) {
      await lead.goto(returnUrl);
      await follow(lead, lead.getByRole('link', { name: new RegExp(`^${code} .*${service.name}$`) }));
      // The first outcome page is scanned; the rest come from the same template.
      const first = service === SERVICES[0] && code === DOMAIN_1[0];
      const title = first
        ? await checks.checkBothWidths(lead, 'eds-services-outcome')
        : await checks.check(lead, { scan: false });
      expect(title).toContain(service.name);
      await answer(lead, service.level, `${service.name}, ${code}: what the panel heard and read.`);
    }
  }
  await lead.goto(returnUrl);
  await checks.checkBothWidths(lead, 'eds-services-task-list');
  for (const [code, level] of LATER_DOMAINS) {
    await lead.goto(returnUrl);
    await follow(lead, lead.getByRole('link', { name: new RegExp(`^${code} `) }));
    await answer(lead, level, `${code}: what the panel heard and read.`);
  }
});

test('the lead records who graded the outcomes, checks the answers and submits', async () => {
  await lead.goto(returnUrl);
  await follow(lead, lead.getByRole('link', { name: 'Who graded the return', exact: true }));
  await checks.check(lead);
  await lead.locator('#firstDate-day').fill('12');
  await lead.locator('#firstDate-month').fill('1');
  await lead.locator('#firstDate-year').fill('2027');
  for (const group of ['Patients and community groups', 'Staff networks', 'Trade unions'])
    await lead.getByRole('checkbox', { name: group, exact: true }).check();
  await lead.getByLabel('How the scores were agreed').fill('By consensus at the grading panel.');
  await lead.getByLabel('Dissent (optional)').fill('The staff network scored 2C Undeveloped.');
  await follow(lead, lead.getByRole('button', { name: 'Save and return to the task list', exact: true }));
  await checks.check(lead, { scan: false });

  await follow(
    lead,
    lead
      .getByRole('button', { name: 'Check your answers', exact: true })
      .or(lead.getByRole('link', { name: /^Check your answers/ })),
  );
  await checks.checkBothWidths(lead, 'eds-services-check-answers');
  const answers = await lead.locator('main').innerText();
  for (const service of SERVICES) expect(answers).toContain(service.name);
  await lead.locator('#declaration').check();
  await follow(lead, lead.getByRole('button', { name: 'Submit return', exact: true }));
  expect(await checks.check(lead)).toMatch(/^Return submitted - /);
});

test('the contract manager accepts every outcome of both services, and the report combines them', async () => {
  await signInLocally(manager, baseUrl, world.manager.displayName);
  await manager.goto(`${baseUrl}/review`);
  await checks.check(manager);
  await follow(
    manager,
    manager.getByRole('link', { name: /^Equality Delivery System 2022 return of Alpha/ }),
  );
  await checks.checkBothWidths(manager, 'eds-services-review');
  await follow(
    manager,
    manager.getByRole('link', { name: 'Decide every requirement on one page', exact: true }),
  );
  await checks.check(manager);
  const groups = manager.getByRole('group', { name: /^Do you accept requirement / });
  // 1A-1D for two services, then 2A-3C once.
  expect(await groups.count()).toBe(DOMAIN_1.length * SERVICES.length + LATER_DOMAINS.length);
  for (const group of await groups.all())
    await group.getByRole('radio', { name: 'Accept', exact: true }).check();
  await follow(manager, manager.getByRole('button', { name: 'Save decisions', exact: true }));
  await checks.check(manager, { scan: false });
  await follow(manager, manager.getByRole('button', { name: 'Accept the return', exact: true }));
  await checks.check(manager, { scan: false });
  await expect(manager.locator('#overall-decision').innerText()).resolves.toContain('Accepted');

  await manager.goto(returnUrl);
  await follow(manager, manager.getByRole('link', { name: 'EDS report for 2026/27', exact: true }));
  await checks.checkBothWidths(manager, 'eds-services-report');
  const totals = await manager
    .getByRole('table', { name: 'Domain scores, total and overall rating' })
    .innerText();
  expect(totals).toContain('Domain 1: Commissioned or provided services\t6 out of 12 (mean of 2 services)');
  expect(totals).toContain('16 out of 33');
  expect(totals).toContain('Developing');
  const report = await manager.locator('main').innerText();
  for (const service of SERVICES) expect(report).toContain(`1A (${service.name})`);
  expect(report).toContain('By consensus at the grading panel.');
  expect(report).toContain('The staff network scored 2C Undeveloped.');
});
