import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { createMailer } from '../../src/mail/mailer.js';
import { sendDueEmails } from '../../src/reminders/sender.js';
import { buildTestApp, TEST_SESSION_SECRET, testConfig } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { follow, launchChromium, newPersonContext, PageChecks } from '../support/browser.js';
import { createTestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { linkIn } from '../support/people.js';
import { startSmtpSink } from '../support/smtp.js';
import { testLogger } from '../support/test-logger.js';
import { answerEveryRequirement, requirementsInOrder } from '../integration/returns-helpers.js';

// A care home without Microsoft accounts, in Chromium: its lead signs in with a link sent by email,
// invites a contributor, who accepts from the invitation email and answers the last requirement
// (but cannot submit); the lead submits, then takes the contributor's access away, which signs them
// out at once; the contract manager sees who has access and how they sign in. Emails go through the
// real outbox sender to a real SMTP server, and every link is read from the email received. Every
// page of ours is checked (axe, html-validate, titles).

const CONTRIBUTOR = { email: 'cleo.contributor@bravo-care.example', name: 'Cleo Contributor' };
const LAST_NARRATIVE = 'Staff read the menu aloud and offer a large-print copy at every meal.';

interface Person {
  context: BrowserContext;
  page: Page;
}

let baseUrl: string;
let checks: PageChecks;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let lead: Person;
let contributor: Person;
let manager: Person;
let lastRequirement: { code: string; levelLabel: string };
/** Delivers the outbox (as the send-email job would) and returns the link in the one email to `address`. */
let linkSentTo: (address: string) => Promise<string>;
const cleanups: (() => Promise<unknown>)[] = [];

const link = (page: Page, name: string | RegExp) => page.getByRole('link', { name, exact: true });
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
/** A link styled as a button (role="button") or a plain link. */
const action = (page: Page, name: string) => button(page, name).or(link(page, name));
const textOf = async (target: Locator) => (await target.innerText()).replace(/\s+/g, ' ').trim();

async function goto(page: Page, url: string): Promise<void> {
  await page.goto(url.startsWith('/') ? `${baseUrl}${url}` : url);
}

beforeAll(async () => {
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sink = await startSmtpSink();
  cleanups.push(() => sink.close());
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());

  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  // Bravo Care Home's lead signs in by email; every requirement but the last is answered already.
  await db.prisma.user.update({
    where: { id: world.leadB.id },
    data: { signInMethod: 'email_link', lastSignInAt: new Date('2026-11-02T09:30:00Z') },
  });
  await answerEveryRequirement(db.prisma, world.returnB, world.leadB.id);
  const requirements = await requirementsInOrder(db.prisma, world.returnB.frameworkVersionId);
  const last = requirements.at(-1);
  const level = last?.ratingScale.levels.at(-1);
  if (!last || !level) throw new Error('no requirements');
  await db.prisma.response.updateMany({
    where: { returnId: world.returnB.id, requirementId: last.id },
    data: { ratingLevelId: null, narrative: '' },
  });
  lastRequirement = { code: last.code, levelLabel: level.label };

  const config = testConfig({
    PUBLIC_BASE_URL: baseUrl,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    MAIL_FROM: 'AIS and EDS compliance <no-reply@icb.example.nhs.uk>',
  });
  const mailer = createMailer(config.mail, testLogger);
  cleanups.push(() => mailer.close());
  server.on('request', buildTestApp(db, { config, mailer }));
  linkSentTo = async (address) => {
    await sendDueEmails({
      prisma: db.prisma,
      mailer,
      config,
      logger: testLogger,
      clock: () => new Date(),
      sessionSecret: TEST_SESSION_SECRET,
    });
    const emails = sink.take().filter((email) => email.envelopeTo.includes(address));
    expect(emails).toHaveLength(1);
    return `${baseUrl}${linkIn(emails[0]?.parsed.text ?? '')}`;
  };

  checks = new PageChecks(browser);
  const person = async (): Promise<Person> => {
    const context = await newPersonContext(browser, { javaScript: true });
    context.setDefaultTimeout(BOUNDS.browserAction);
    return { context, page: checks.watch(await context.newPage()) };
  };
  lead = await person();
  contributor = await person();
  manager = await person();
});

/**
 * What beforeAll started, stopped in the order started: the browser first (so the app has no open
 * connections when it stops), the database last but for the mailer's pool.
 */
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** Later steps need the earlier ones: after a failure they say so instead of failing oddly. */
let failedStep: string | undefined;
function step(name: string, body: () => Promise<void> | void): void {
  test(name, async () => {
    if (failedStep) throw new Error(`Not run: the earlier step "${failedStep}" failed`);
    try {
      await body();
    } catch (error) {
      failedStep = name;
      throw error;
    }
  });
}

step('the care home’s lead asks for a sign-in link, reads it in the email and signs in', async () => {
  const { page } = lead;
  await goto(page, '/');
  expect(await checks.check(page)).toMatch(/^Sign in - /);
  await follow(page, action(page, 'Get a sign-in link by email'));
  await checks.check(page);
  await follow(page, button(page, 'Send me a sign-in link'));
  expect(await checks.check(page)).toMatch(/^Error: Get a sign-in link by email - /);
  await page.getByLabel('Email address').fill(world.leadB.email);
  await follow(page, button(page, 'Send me a sign-in link'));
  expect(await checks.check(page)).toMatch(/^Check your email - /);

  await goto(page, await linkSentTo(world.leadB.email));
  expect(await checks.check(page)).toMatch(/^Sign in with your email link - /);
  await follow(page, button(page, 'Sign in'));
  expect(await checks.check(page)).toMatch(/^Your work - /);
});

step('the lead invites a contributor to sign in by email', async () => {
  const { page } = lead;
  await follow(page, link(page, 'People'));
  expect(await checks.check(page)).toMatch(/^People - /);
  await follow(page, action(page, 'Invite a contributor'));
  expect(await checks.check(page)).toMatch(/^Invite a contributor to Bravo Care Home - /);
  await page.getByLabel('Email address').fill(CONTRIBUTOR.email);
  await page.getByLabel('Full name (optional)').fill(CONTRIBUTOR.name);
  await page.getByRole('radio', { name: 'With a link sent by email' }).check();
  await follow(page, button(page, 'Send invitation'));
  await checks.check(page);
  expect(await textOf(page.locator('.nhsuk-notification-banner'))).toContain('The invitation has been sent');
  const row = page.getByRole('row', { name: new RegExp(CONTRIBUTOR.name) });
  expect(await textOf(row)).toContain('Email link');
  expect(await textOf(row)).toContain('not accepted yet');
});

step('the contributor accepts from the invitation email and answers the last requirement', async () => {
  const { page } = contributor;
  const invitation = await linkSentTo(CONTRIBUTOR.email);
  await goto(page, invitation);
  expect(await checks.check(page)).toMatch(/^Accept your invitation - /);
  await follow(page, button(page, 'Accept and sign in'));
  expect(await checks.check(page)).toMatch(/^Your work - /);

  await follow(page, link(page, 'Returns'));
  await checks.check(page);
  await follow(page, link(page, /^Accessible Information Standard 2025 return for Bravo Care Home/));
  await checks.check(page);
  await follow(
    page,
    page.getByRole('link', { name: new RegExp(`^${lastRequirement.code.replace('.', '\\.')} `) }),
  );
  await checks.check(page);
  await page.getByRole('radio', { name: lastRequirement.levelLabel, exact: true }).check();
  await page.locator('#narrative').fill(LAST_NARRATIVE);
  await follow(page, button(page, 'Save and continue'));
  await checks.check(page);

  await follow(page, action(page, 'Check your answers'));
  await checks.check(page);
  expect(await textOf(page.locator('main'))).toContain('A lead of Bravo Care Home submits this return');
  expect(await button(page, 'Submit return').count()).toBe(0);

  // The invitation link worked once.
  await goto(page, invitation);
  expect(await checks.check(page)).toMatch(/^This invitation link has already been used - /);
});

step('the lead checks the answers and submits the return', async () => {
  const { page } = lead;
  await goto(page, `/returns/${world.returnB.id}/check-answers`);
  await checks.check(page);
  expect(await textOf(page.locator('main'))).toContain(LAST_NARRATIVE);
  await page.locator('#declaration').check();
  await follow(page, button(page, 'Submit return'));
  expect(await checks.check(page)).toMatch(/^Return submitted - /);
});

step('the lead removes the contributor, who is signed out at once', async () => {
  const { page } = lead;
  await follow(page, link(page, 'People'));
  await checks.check(page);
  const row = page.getByRole('row', { name: new RegExp(CONTRIBUTOR.name) });
  expect(await textOf(row)).toContain('Active');
  await follow(page, row.getByRole('link', { name: `Remove ${CONTRIBUTOR.name}` }));
  expect(await checks.check(page)).toMatch(/^Remove Cleo Contributor from Bravo Care Home - /);
  await follow(page, button(page, 'Remove access'));
  await checks.check(page);
  expect(await page.getByRole('row', { name: new RegExp(CONTRIBUTOR.name) }).count()).toBe(0);

  // Their next page asks them to sign in.
  await goto(contributor.page, `/returns/${world.returnB.id}`);
  expect(new URL(contributor.page.url()).pathname).toBe('/sign-in');
});

step('the contract manager sees on the provider’s page who has access and how they sign in', async () => {
  const { page } = manager;
  await goto(page, '/');
  await checks.check(page);
  await follow(page, link(page, 'Sign in as a demo user'));
  await checks.check(page);
  await page.getByRole('radio', { name: world.manager.displayName }).check();
  await follow(page, button(page, 'Sign in'));
  await checks.check(page);
  await follow(page, link(page, 'Providers'));
  await checks.check(page);
  await follow(page, link(page, 'Bravo Care Home'));
  await checks.check(page);
  // The page's history also names the lead: the row is the one in the table of who has access.
  const row = page
    .getByRole('table', { name: /People with access/ })
    .getByRole('row', { name: new RegExp(world.leadB.displayName) });
  expect(await textOf(row)).toContain('Email link');
  expect(await textOf(row)).toContain('Provider lead');
});

step('every page title is unique to its page and state', () => {
  expect(checks.scannedCount).toBeGreaterThan(20);
  expect(checks.sharedTitles()).toEqual([]);
});
