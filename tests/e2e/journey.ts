import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { buildTestApp, testConfig } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { launchChromium, newPersonContext, PageChecks, saveScreenshot } from '../support/browser.js';
import { createTestDatabase } from '../support/database.js';
import { pdfFile, windowsExecutable } from '../support/evidence-files.js';
import {
  createContract,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';
import { answerReturn, submitReturn } from '../support/review-fixtures.js';
import { auditKeyboard, chooseWithKeyboard, pressWithKeyboard, tabTo, typeWithKeyboard } from './keyboard.js';

// The whole return workflow in Chromium, shared by three ways of using the browser (mouse with
// JavaScript, keyboard alone, and JavaScript off): sign in through the identity provider, complete
// and submit an AIS 2025 return with evidence, have one requirement returned with a reason, fix it
// and resubmit, see it accepted in the matrix and export the matrix as CSV. Every page of ours is
// checked on the way (axe, html-validate, titles; tests/support/browser.ts). The identity provider's
// sign-in page is not ours (it stands in for Microsoft's), so it is used but not checked.

/** How a person works the browser. */
export interface Interaction {
  name: string;
  javaScript: boolean;
  /** Follows a link or presses a button (without waiting for what it leads to). */
  press(page: Page, target: Locator): Promise<void>;
  fill(page: Page, field: Locator, text: string): Promise<void>;
  /** Selects a radio button or ticks a checkbox. */
  choose(page: Page, option: Locator): Promise<void>;
  upload(page: Page, input: Locator, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void>;
  /**
   * Scan every page, even the same template again in a loop (requirement 2 to 17 of the form). The
   * other ways scan each page and state once and keep to what they are about.
   */
  thorough: boolean;
  /** Extra checks on arriving at a page of ours not seen before (the keyboard audit). */
  firstVisit?(page: Page): Promise<void>;
}

/** The mouse: Playwright's own actions. Used with JavaScript on and off. */
export function pointer(options: { javaScript: boolean }): Interaction {
  return {
    name: options.javaScript ? 'pointer' : 'no-js',
    javaScript: options.javaScript,
    thorough: options.javaScript,
    press: (_page, target) => target.click(),
    fill: (_page, field, text) => field.fill(text),
    choose: (_page, option) => option.check(),
    upload: (_page, input, file) => input.setInputFiles(file),
  };
}

/** The keyboard alone: Tab, Shift+Tab, arrow keys, Space and Enter (never the mouse). */
export const keyboard: Interaction = {
  name: 'keyboard',
  javaScript: true,
  thorough: false,
  press: pressWithKeyboard,
  fill: typeWithKeyboard,
  choose: chooseWithKeyboard,
  async upload(page, input, file) {
    // Space on the focused file input opens the file chooser, which the test then answers. On a busy
    // machine Chromium has once ignored the key (CI, after a refused upload): as a person would, the
    // test presses it again, on the input again, up to three times.
    for (let attempt = 1; ; attempt++) {
      await tabTo(page, input);
      const chooser = page.waitForEvent('filechooser', { timeout: 20_000 }).catch((error: unknown) => {
        if (attempt === 3) throw error;
        return undefined;
      });
      await page.keyboard.press('Space');
      const opened = await chooser;
      if (opened) {
        await opened.setFiles(file);
        return;
      }
    }
  },
  async firstVisit(page) {
    await auditKeyboard(page);
  },
};

const LEVEL = 'Advanced';
const FIRST = '1.1';
const REASON = 'Say how reception staff record needs for people who arrive without an appointment.';
const FIXED_NARRATIVE =
  'Reception staff ask every person about communication needs at check-in, including walk-ins, and record them at once.';

interface Journey {
  idp: TestIdp;
  baseUrl: string;
  checks: PageChecks;
  world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
  lead: { email: string; page: Page; context: BrowserContext };
  manager: { email: string; page: Page; context: BrowserContext };
  requirementCodes: string[];
}

/** Defines the journey's tests for one way of using the browser (call at the top of a test file). */
export function describeJourney(ui: Interaction, options: { screenshots: boolean }): void {
  let journey: Journey;
  const auditedPages = new Set<string>();

  /** Checks the page of ours now shown; the first visit of each kind of page gets the interaction's audit. */
  async function ours(page: Page, visit: { repeat?: boolean } = {}): Promise<string> {
    const title = await journey.checks.check(page, { scan: ui.thorough || !visit.repeat });
    const kind = `${new URL(page.url()).pathname.replace(/[0-9a-f-]{36}/g, ':id')} ${title.startsWith('Error: ') ? 'error' : ''}`;
    if (ui.firstVisit && !auditedPages.has(kind)) {
      auditedPages.add(kind);
      await ui.firstVisit(page);
    }
    return title;
  }

  /** Presses something that loads a new page, and waits for it. */
  async function follow(page: Page, target: Locator): Promise<void> {
    const loaded = page.waitForEvent('load');
    await ui.press(page, target);
    await loaded;
  }

  const textOf = async (target: Locator) => (await target.innerText()).replace(/\s+/g, ' ').trim();
  const link = (page: Page, name: string | RegExp) => page.getByRole('link', { name, exact: true });
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  const codePattern = (code: string) => new RegExp(`^${code.replace('.', '\\.')} `);

  /** Signs in through the identity provider's own page, starting from the app. */
  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(journey.baseUrl);
    expect(page.url()).toContain(journey.idp.authority);
    await ui.fill(page, page.getByLabel('Email address'), email);
    await follow(page, button(page, 'Sign in'));
    await page
      .waitForURL((url) => url.href.startsWith(journey.baseUrl))
      .catch(async () => {
        throw new Error(`Sign-in ended at ${page.url()}: ${await textOf(page.locator('body'))}`);
      });
  }

  /**
   * What each person's browser showed when a step failed (tests/artifacts/journeys/, gitignored): the
   * address, the HTML and a screenshot, so a failure seen once on a loaded machine can be read later.
   */
  async function keepEvidence(stepName: string): Promise<void> {
    const dir = join(PROJECT_ROOT, 'tests', 'artifacts', 'journeys');
    mkdirSync(dir, { recursive: true });
    const slug = `${ui.name}-${stepName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
    for (const [who, person] of [
      ['lead', journey.lead],
      ['manager', journey.manager],
    ] as const) {
      const base = join(dir, `${slug}-${who}`);
      await person.page
        .content()
        .then((html) => writeFileSync(`${base}.html`, `<!-- ${person.page.url()} -->\n${html}`))
        .catch(() => undefined);
      await person.page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => undefined);
    }
  }

  /** One step of the journey: after a step fails, the later ones say so rather than fail oddly. */
  let failedStep: string | undefined;
  const step = (name: string, body: () => Promise<void> | void) => {
    test(name, async () => {
      if (failedStep) throw new Error(`Not run: the earlier step "${failedStep}" failed`);
      try {
        await body();
      } catch (error) {
        failedStep = name;
        await keepEvidence(name);
        throw error;
      }
    });
  };

  /**
   * What beforeAll started, stopped in the order started (only what started, if it failed part-way):
   * the browser first, so the app has no open connections when it stops, the database last.
   */
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    // First, so a machine without Chromium hears how to install it before anything else happens.
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const idp = await startTestIdp({ redirectUri: `${baseUrl}/auth/callback` });
    cleanups.push(() => idp.close());
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());

    await importTestStandards(db.prisma);
    const world = await createTwoProviderWorld(db.prisma);
    // A readable period label for the screenshots (the fixture makes a random one).
    await db.prisma.reportingPeriod.update({ where: { id: world.period.id }, data: { label: '2026/27' } });
    // The standard the period asks for, as opening it records (the heat map starts on it).
    await db.prisma.periodStandard.create({
      data: {
        periodId: world.period.id,
        frameworkId: world.ais.frameworkId,
        frameworkVersionId: world.ais.id,
        dueDate: new Date('2027-03-31'),
      },
    });
    // Provider B's lead has saved answers without submitting: the heat map can include them.
    await answerReturn(db.prisma, world.returnB.id, world.leadB.id);
    // Last year provider A's AIS 2016 return was accepted (on its earlier contract, so nothing is
    // carried forward): its trends cross the change of version to the journey's AIS 2025 return.
    const lastYear = await db.prisma.reportingPeriod.create({
      data: { label: '2025/26', startDate: new Date('2025-04-01'), endDate: new Date('2026-03-31') },
    });
    const earlierContract = await createContract(db.prisma, world.providerA.id, world.manager.id);
    const ais2016Version = await frameworkVersion(db.prisma, 'AIS', '2016');
    await db.prisma.periodStandard.create({
      data: {
        periodId: lastYear.id,
        frameworkId: ais2016Version.frameworkId,
        frameworkVersionId: ais2016Version.id,
        dueDate: new Date('2026-03-31'),
      },
    });
    const ais2016 = await createReturn(db.prisma, {
      contractId: earlierContract.id,
      providerId: world.providerA.id,
      frameworkVersionId: ais2016Version.id,
      periodId: lastYear.id,
    });
    await answerReturn(db.prisma, ais2016.id, world.leadA.id);
    await submitReturn(db.prisma, ais2016.id, world.leadA.id, new Date('2026-03-01'));
    await db.prisma.return.update({
      where: { id: ais2016.id },
      data: { status: 'accepted', decidedAt: new Date('2026-03-20') },
    });

    // The lead accepted their invitation earlier: their Microsoft account is bound to them.
    const leadOid = randomUUID();
    idp.addUser({ oid: leadOid, email: world.leadA.email, name: world.leadA.displayName });
    await db.prisma.user.update({
      where: { id: world.leadA.id },
      data: { entraTenantId: idp.tenantId, entraObjectId: leadOid },
    });
    idp.addUser({
      oid: randomUUID(),
      email: world.manager.email,
      name: world.manager.displayName,
      roles: ['ContractManager'],
    });
    const config = testConfig({
      PUBLIC_BASE_URL: baseUrl,
      ENTRA_TENANT_ID: idp.tenantId,
      ENTRA_CLIENT_ID: idp.clientId,
      ENTRA_CLIENT_SECRET: idp.clientSecret,
      ENTRA_AUTHORITY: idp.authority,
      ENTRA_REDIRECT_URL: `${baseUrl}/auth/callback`,
      ENTRA_RESPONSE_MODE: 'query',
      // Microsoft sign-in only: the sign-in page goes straight to it.
      LOCAL_SIGN_IN: 'false',
      EMAIL_SIGN_IN: 'false',
    });
    server.on('request', buildTestApp(db, { config }));

    // Its scanning context closes with the browser.
    const checks = new PageChecks(browser);
    const person = async (email: string) => {
      const context = await newPersonContext(browser, { javaScript: ui.javaScript });
      // Fail a step well before Jest's limit, with Playwright's own message.
      context.setDefaultTimeout(BOUNDS.browserAction);
      return { email, context, page: checks.watch(await context.newPage()) };
    };
    const requirements = await db.prisma.requirement.findMany({
      where: { frameworkVersionId: world.ais.id },
    });
    journey = {
      idp,
      baseUrl,
      checks,
      world,
      lead: await person(world.leadA.email),
      manager: await person(world.manager.email),
      // Task-list order: 1.1, 1.2, ... 6.4.
      requirementCodes: requirements
        .map((requirement) => requirement.code)
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    };
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  step('the provider lead signs in through the identity provider and opens the AIS 2025 return', async () => {
    const { page, email } = journey.lead;
    await signIn(page, email);
    expect(await ours(page)).toMatch(/^Your work - /);
    await follow(page, link(page, 'Returns'));
    await ours(page);
    await follow(
      page,
      link(page, /^Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust/),
    );
    const title = await ours(page);
    expect(title).toMatch(
      /Accessible Information Standard 2025 return, 2026\/27 - Alpha Hospitals NHS Trust/,
    );
    expect(await textOf(page.locator('h1'))).toBe('Accessible Information Standard 2025 return, 2026/27');
  });

  step('the lead answers every requirement, after the form first refuses an empty answer', async () => {
    const { page } = journey.lead;
    await follow(page, page.getByRole('link', { name: codePattern(FIRST) }));
    await ours(page);
    if (options.screenshots) await saveScreenshot(page, 'requirement-form');

    // Saving nothing: the page comes back with an error summary and an "Error: " title.
    await follow(page, button(page, 'Save and continue'));
    expect(await ours(page)).toMatch(/^Error: Requirement 1\.1 - /);
    expect(await textOf(page.locator('.nhsuk-error-summary'))).toContain('narrative');

    const codes = journey.requirementCodes;
    for (const [index, code] of codes.entries()) {
      expect(await page.locator('h1').textContent()).toMatch(codePattern(code));
      await ui.choose(page, page.getByRole('radio', { name: LEVEL, exact: true }));
      await ui.fill(
        page,
        page.locator('#narrative'),
        `How we meet ${code}: trained staff and a written procedure.`,
      );
      await follow(page, button(page, 'Save and continue'));
      // The next requirement's form (already scanned as 1.1), and at the end the task list.
      await ours(page, { repeat: index < codes.length - 1 });
    }
    // After the last requirement: the task list, every requirement complete.
    expect(await textOf(page.locator('h1'))).toBe('Accessible Information Standard 2025 return, 2026/27');
    expect(await page.getByText(`You have completed ${journey.requirementCodes.length} of`).isVisible()).toBe(
      true,
    );
  });

  step('the lead adds evidence: an executable named .pdf is refused, a real PDF is added', async () => {
    const { page } = journey.lead;
    await follow(page, page.getByRole('link', { name: codePattern(FIRST) }));
    await ours(page);
    await follow(page, link(page, 'Add or manage evidence'));
    await ours(page);

    const fileInput = page.locator('input[type="file"]');
    await ui.upload(page, fileInput, {
      name: 'policy.pdf',
      mimeType: 'application/pdf',
      buffer: windowsExecutable(),
    });
    await follow(page, button(page, 'Upload file'));
    expect(await ours(page)).toMatch(/^Error: Evidence for 1\.1 - /);
    expect(await page.locator('.nhsuk-error-summary').isVisible()).toBe(true);

    await ui.upload(page, fileInput, {
      name: 'accessible-information-policy.pdf',
      mimeType: 'application/pdf',
      buffer: pdfFile(),
    });
    await follow(page, button(page, 'Upload file'));
    await ours(page);
    expect(await textOf(page.locator('.nhsuk-notification-banner'))).toContain('The file has been uploaded');
    expect(await page.getByRole('link', { name: /^accessible-information-policy\.pdf/ }).isVisible()).toBe(
      true,
    );

    await follow(page, link(page, 'Back to 1.1'));
    await ours(page);
    await follow(page, link(page, 'Back to the task list').first());
    await ours(page);
  });

  step('the lead goes home, continues the return from there, checks the answers and submits', async () => {
    const { page } = journey.lead;
    // Home: each return with its one next action; an answered return is continued.
    await follow(page, link(page, 'Home'));
    await ours(page);
    await follow(page, link(page, /^Continue ?: Accessible Information Standard 2025 return/));
    expect(await ours(page)).toMatch(/^Accessible Information Standard 2025 return, 2026\/27 - /);
    await follow(page, button(page, 'Check your answers').or(link(page, 'Check your answers')));
    await ours(page);
    await ui.choose(page, page.locator('#declaration'));
    await follow(page, button(page, 'Submit return'));
    expect(await ours(page)).toMatch(/^Return submitted - /);
    expect(await textOf(page.locator('h1'))).toBe('Return submitted');
  });

  step(
    '403 and 404 pages, and the accessibility statement, are NHS pages that pass every check',
    async () => {
      const { page } = journey.lead;
      const forbidden = await page.goto(`${journey.baseUrl}/providers`);
      expect(forbidden?.status()).toBe(403);
      expect(await ours(page)).toMatch(/^You do not have permission to view this page - /);
      const missing = await page.goto(`${journey.baseUrl}/no-such-page`);
      expect(missing?.status()).toBe(404);
      expect(await ours(page)).toMatch(/^Page not found - /);

      // The accessibility statement, from the footer of every page.
      await follow(page, link(page, 'Accessibility statement'));
      expect(await ours(page)).toMatch(/^Accessibility statement - /);
      const statement = await textOf(page.locator('main'));
      expect(statement).toContain(
        'fully compliant with the Web Content Accessibility Guidelines version 2.2 AA',
      );
      expect(statement).toContain('with the keyboard alone');
      expect(statement).toContain('with JavaScript turned off');
    },
  );

  step('the contract manager signs in and returns one requirement with a reason', async () => {
    const { page, email } = journey.manager;
    await signIn(page, email);
    expect(await ours(page)).toMatch(/^Your work - /);
    await follow(page, link(page, 'Review'));
    await ours(page);
    await follow(
      page,
      link(page, /^Accessible Information Standard 2025 return of Alpha Hospitals NHS Trust/),
    );
    expect(await ours(page)).toMatch(/^Review Accessible Information Standard 2025 2026\/27 for Alpha/);

    await follow(page, link(page, `Accept or return requirement ${FIRST}`));
    await ours(page);
    // Returning it without a reason is refused, naming the requirement.
    await ui.choose(page, page.getByRole('radio', { name: 'Return to the provider' }));
    await follow(page, button(page, 'Save decision'));
    expect(await ours(page)).toMatch(/^Error: /);
    expect(await textOf(page.locator('.nhsuk-error-summary'))).toContain(
      `Enter a reason for returning requirement ${FIRST}`,
    );
    await ui.fill(page, page.locator('#reason'), REASON);
    await follow(page, button(page, 'Save decision'));
    await ours(page);

    const due = new Date(Date.now() + 60 * 24 * 3600 * 1000);
    await ui.fill(page, page.locator('#newDueDate-day'), String(due.getUTCDate()));
    await ui.fill(page, page.locator('#newDueDate-month'), String(due.getUTCMonth() + 1));
    await ui.fill(page, page.locator('#newDueDate-year'), String(due.getUTCFullYear()));
    await follow(page, button(page, 'Return to the provider'));
    await ours(page);
    expect(await textOf(page.locator('#overall-decision'))).toContain('Returned');
  });

  step(
    'the lead follows "Fix 1 returned requirement" from home, sees the reason, changes the answer and submits again',
    async () => {
      const { page } = journey.lead;
      await follow(page, link(page, 'Home'));
      await ours(page);
      await follow(
        page,
        link(page, /^Fix 1 returned requirement ?: Accessible Information Standard 2025 return/),
      );
      expect(new URL(page.url()).pathname).toBe(`/returns/${journey.world.returnA.id}`);
      await ours(page);
      expect(await page.getByText(`Returned: ${REASON}`).isVisible()).toBe(true);
      if (options.screenshots) await saveScreenshot(page, 'task-list');

      await follow(page, page.getByRole('link', { name: codePattern(FIRST) }));
      await ours(page);
      expect(await textOf(page.locator('.nhsuk-card--warning'))).toContain(REASON);
      await ui.fill(page, page.locator('#narrative'), FIXED_NARRATIVE);
      await follow(page, button(page, 'Save and continue'));
      await ours(page);
      await follow(page, link(page, 'Back to the task list').first());
      await ours(page);
      await follow(page, button(page, 'Check your answers').or(link(page, 'Check your answers')));
      await ours(page);
      await ui.choose(page, page.locator('#declaration'));
      await follow(page, button(page, 'Submit return'));
      await ours(page);
      expect(await page.getByText('Submission 2 was received').isVisible()).toBe(true);
    },
  );

  step(
    'the manager goes from what needs attention to the review, sees what changed, decides every requirement and accepts the return',
    async () => {
      const { page } = journey.manager;
      // Home: what needs attention; the count awaiting their review leads to those returns.
      await follow(page, link(page, 'Home'));
      await ours(page);
      if (options.screenshots) {
        await saveScreenshot(page, 'commissioner-home');
        const size = page.viewportSize();
        await page.setViewportSize({ width: 320, height: 900 });
        await saveScreenshot(page, 'commissioner-home-320');
        if (size) await page.setViewportSize(size);
      }
      await follow(page, link(page, '1 return awaiting your review'));
      await ours(page);
      expect(new URL(page.url()).searchParams.get('state')).toBe('submitted');
      await follow(
        page,
        link(page, /^Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust/),
      );
      await ours(page);
      const first = page.locator(`#requirement-${FIRST.replace('.', '-')}`);
      expect(await textOf(first)).toContain('Changed since last submission');
      expect(await textOf(first)).toContain(`Now: ${FIXED_NARRATIVE}`);
      expect(await textOf(first)).toContain(`Returned last time by Cora Manager: ${REASON}`);
      if (options.screenshots) await saveScreenshot(page, 'review', first);

      const [firstCode, secondCode, ...otherCodes] = journey.requirementCodes;
      if (!firstCode || !secondCode) throw new Error('The return has too few requirements');
      // The first requirement on its own page: "Save and next" opens the second.
      await follow(page, link(page, `Accept or return requirement ${firstCode}`));
      await ours(page);
      await ui.choose(page, page.getByRole('radio', { name: 'Accept', exact: true }));
      await follow(page, button(page, 'Save and next'));
      expect(await ours(page, { repeat: true })).toMatch(new RegExp(`^Review requirement ${secondCode} `));
      await follow(page, link(page, 'Back to the review'));
      await ours(page);
      // Not offered while requirements are undecided.
      expect(await button(page, 'Accept the return').count()).toBe(0);
      // The rest on one page, in one form.
      await follow(page, link(page, 'Decide every requirement on one page'));
      await ours(page);
      for (const code of [secondCode, ...otherCodes]) {
        const group = page.getByRole('group', { name: `Do you accept requirement ${code}?` });
        await ui.choose(page, group.getByRole('radio', { name: 'Accept', exact: true }));
      }
      // Every choice made, so a choice that did not take says which, rather than "Accept the return"
      // missing after the save.
      const unchosen: string[] = [];
      for (const code of journey.requirementCodes) {
        const group = page.getByRole('group', { name: `Do you accept requirement ${code}?` });
        if (!(await group.getByRole('radio', { name: 'Accept', exact: true }).isChecked()))
          unchosen.push(code);
      }
      expect(unchosen).toEqual([]);
      await follow(page, button(page, 'Save decisions'));
      await ours(page, { repeat: true });
      const total = journey.requirementCodes.length;
      expect(await textOf(page.locator('#decide ~ p').first())).toContain(
        `${String(total)} of ${String(total)} requirements decided: ${String(total)} accepted`,
      );
      await follow(page, button(page, 'Accept the return'));
      await ours(page);
      expect(await textOf(page.locator('#overall-decision'))).toContain('Accepted');
    },
  );

  step('the matrix shows the return accepted, and its CSV export has it', async () => {
    const { page } = journey.manager;
    await follow(page, link(page, 'Home'));
    await ours(page);
    const row = page.getByRole('row', { name: /Alpha Hospitals NHS Trust/ });
    expect(await textOf(row)).toContain('Accepted');
    // The home page: what needs attention, then the matrix, whose table starts on the first screen
    // of a 1280 x 800 window: its whole header row (short column names, on one line).
    expect(await textOf(page.locator('#attention-heading'))).toBe('Needs attention');
    const size = page.viewportSize();
    await page.setViewportSize({ width: 1280, height: 800 });
    const header = await page.locator('#matrix thead').boundingBox();
    expect(header && header.y + header.height).toBeLessThanOrEqual(800);
    // The short names are spelt out: to a screen reader in the header, to everyone in the key.
    expect(
      await page.getByRole('columnheader', { name: /^AIS \(Accessible Information Standard\)/ }).count(),
    ).toBe(1);
    expect(await textOf(page.locator('#matrix-key'))).toContain('AIS is the Accessible Information Standard');
    if (size) await page.setViewportSize(size);
    if (options.screenshots) await saveScreenshot(page, 'matrix');

    const download = page.waitForEvent('download');
    await ui.press(page, link(page, 'Download this view as CSV'));
    const file = await (await download).path();
    const rows: string[][] = parse(readFileSync(file), { bom: true });
    expect(rows[0]?.slice(0, 4)).toEqual(['Period', 'Provider', 'ODS code', 'Provider type']);
    const alpha = rows.find((cells) => cells[1] === 'Alpha Hospitals NHS Trust');
    expect(alpha?.[0]).toBe('2026/27');
    expect(alpha).toContain('Accepted');
  });

  step(
    'the manager includes returns in progress in the heat map, and follows a provider to its page and its trends across versions',
    async () => {
      const { page } = journey.manager;
      await follow(page, link(page, 'Heat map'));
      // The newest period and its one standard; by default only submitted returns.
      expect(await ours(page)).toMatch(/^Accessible Information Standard \(2025\) heat map, 2026\/27 - /);
      const heatmap = page.getByRole('table', { name: /^Ratings by provider and requirement/ });
      expect(await textOf(heatmap)).not.toContain('(in progress)');
      await ui.choose(
        page,
        page.getByRole('checkbox', { name: 'Include answers of returns still in progress' }),
      );
      await follow(page, button(page, 'Show heat map'));
      expect(await ours(page)).toMatch(/heat map/i);
      expect(new URL(page.url()).searchParams.get('inProgress')).toBe('yes');
      // Provider B's saved answers, each cell marked in words; A's accepted submission as it is.
      const bravo = page.getByRole('row', { name: /^Bravo Care Home/ });
      expect(await textOf(bravo)).toContain('(in progress)');
      expect(await textOf(page.getByRole('row', { name: /^Alpha Hospitals NHS Trust/ }))).not.toContain(
        '(in progress)',
      );
      if (options.screenshots) await saveScreenshot(page, 'heatmap');

      // The provider's name leads to its page, the hub, and from there to its own trends.
      await follow(page, link(page, 'Alpha Hospitals NHS Trust'));
      expect(await ours(page)).toMatch(/^Alpha Hospitals NHS Trust - /);
      await follow(page, link(page, 'Trends for Alpha Hospitals NHS Trust'));
      expect(await ours(page)).toMatch(/Alpha Hospitals NHS Trust/);
      // Last year's AIS 2016 result, then this year's AIS 2025, the change of version marked.
      const trends = await textOf(page.locator('main'));
      expect(trends).toContain('2025/26');
      expect(trends).toContain('Accessible Information Standard (2016)');
      expect(trends).toContain('Accessible Information Standard (2025) (version changed here)');
    },
  );

  step(
    'all providers’ trends, the matrix, publications, a return’s history and the lead’s home page fit a 320 px screen',
    async () => {
      // Every page checked (ours) must fit 320 CSS px without scrolling sideways; these are the pages
      // with wide tables and the lead's own home, seen with a decision on their return.
      const { page } = journey.manager;
      await page.goto(`${journey.baseUrl}/trends`);
      expect(await ours(page)).toMatch(/^Trends for all providers - /);
      // The matrix on a page of its own (the home page above shows it after what needs attention).
      await page.goto(`${journey.baseUrl}/matrix`);
      expect(await ours(page)).toMatch(/^Compliance matrix - /);
      await page.goto(`${journey.baseUrl}/publications`);
      expect(await ours(page)).toMatch(/^Equality publications, /);
      await page.goto(`${journey.baseUrl}/returns/${journey.world.returnA.id}/history`);
      expect(await ours(page)).toMatch(/^History of this return - /);

      const lead = journey.lead.page;
      await lead.goto(journey.baseUrl);
      expect(await ours(lead)).toMatch(/^Your work - /);
      expect(await textOf(lead.locator('#recent-decisions'))).toContain('Accepted by Cora Manager');
      if (options.screenshots) {
        await saveScreenshot(lead, 'lead-home');
        const size = lead.viewportSize();
        await lead.setViewportSize({ width: 320, height: size?.height ?? 900 });
        await saveScreenshot(lead, 'lead-home-320');
        if (size) await lead.setViewportSize(size);
      }
    },
  );

  step('every page title is unique to its page and state', () => {
    // (Fewer pages since the reviewer decides most requirements on one page.)
    expect(journey.checks.scannedCount).toBeGreaterThan(ui.thorough ? 50 : 25);
    expect(journey.checks.sharedTitles()).toEqual([]);
  });
}
