import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { run as enqueueJob } from '../../jobs/enqueue-chasers.js';
import type { ReminderJobDeps } from '../../jobs/reminder-job-deps.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { createMailer } from '../../src/mail/mailer.js';
import { pathTo, paths } from '../../src/paths.js';
import {
  buildTestApp,
  csrfTokenFrom,
  productionEnvironment,
  signedInAgent,
  testConfig,
} from '../support/app.js';
import { dayFrom, fakeClock, jobDeps } from '../support/chaser-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

// The app's side of the chasers: each return's chase history (whoever may see the return), the
// outbox page and retry (administrators and contract managers), and the local mailbox (staff, and
// never in production). With no SMTP server configured, as here, emails are kept as files.

let db: TestDatabase;
let dataDir: string;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let jobs: ReminderJobDeps;
let failedEmailId: string;
const time = fakeClock(dayFrom(14));

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  dataDir = await mkdtemp(join(tmpdir(), 'tracker-mail-'));
  const config = testConfig({ DATA_DIR: dataDir });
  const mailer = createMailer(config.mail, testLogger);
  app = buildTestApp(db, { config, mailer, clock: time.clock });
  jobs = jobDeps(db, config, time, mailer);
  world = await createTwoProviderWorld(db.prisma);
  // 14 days overdue: each lead is chased, their contract manager copied in.
  await enqueueJob(jobs);
  await sendJob(jobs);
  const failed = await db.prisma.outboxEmail.create({
    data: {
      idempotencyKey: `chaser:${world.returnA.id}:+7@2027-03-31:old.address@alpha.example.nhs.uk`,
      returnId: world.returnA.id,
      stage: '+7@2027-03-31',
      dueDate: new Date('2027-03-31'),
      toAddress: 'old.address@alpha.example.nhs.uk',
      subject: 'Overdue: an earlier chaser',
      textBody: 'text',
      htmlBody: '<p>html</p>',
      status: 'failed',
      attempts: 1,
      lastAttemptAt: dayFrom(7),
      lastError: 'EENVELOPE: 550 5.1.1 <old.address@alpha.example.nhs.uk>: mailbox unavailable',
    },
  });
  failedEmailId = failed.id;
});
afterAll(async () => {
  await jobs.mailer.close();
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** One h1, unique ids, a scope on every table header cell: the structure screen readers rely on. */
function expectSoundStructure(html: string): void {
  expect(html.match(/<h1\b/g)).toHaveLength(1);
  const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((match) => match[1]);
  expect(new Set(ids).size).toBe(ids.length);
  expect(html.match(/<th\b(?![^>]*\bscope=)[^>]*>/g)).toBeNull();
}

describe('chase history on the return page', () => {
  test('shows what was sent to whom, when, and the delivery state, to everyone who may see the return', async () => {
    for (const user of [world.leadA, world.manager, world.viewer, world.admin]) {
      const agent = await signedInAgent(app, user.id);
      const page = await agent.get(pathTo(paths.returns.show, { returnId: world.returnA.id })).expect(200);
      expect(page.text).toContain('<h2 id="chase-history">Reminder emails</h2>');
      expect(page.text).toContain('14 days overdue');
      expect(page.text).toContain(world.leadA.email);
      expect(page.text).toContain(`Copied to ${world.manager.email}`);
      expect(page.text).toContain('nhsuk-tag--green">Sent</strong>');
      expect(page.text).toContain('Sent at 8am on 14 April 2027');
      // The undelivered one: the server's reason for staff, plain words for the provider's lead.
      expect(page.text).toContain('nhsuk-tag--red">Not delivered</strong>');
      if (user === world.leadA) {
        expect(page.text).toContain('The email could not be delivered; the commissioning team can see why.');
        expect(page.text).not.toContain('550 5.1.1');
      } else {
        expect(page.text).toContain(
          '550 5.1.1 &lt;old.address@alpha.example.nhs.uk&gt;: mailbox unavailable',
        );
      }
      // Only this return's emails.
      expect(page.text).not.toContain(world.leadB.email);
      expectSoundStructure(page.text);
    }
  });

  test('another provider’s lead cannot see the return, nor its chase history', async () => {
    const agent = await signedInAgent(app, world.leadB.id);
    await agent.get(pathTo(paths.returns.show, { returnId: world.returnA.id })).expect(404);
  });

  test('the return’s history lists the chasers written and sent', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const page = await agent.get(pathTo(paths.returns.history, { returnId: world.returnA.id })).expect(200);
    expect(page.text).toContain('Reminder email written');
    expect(page.text).toContain('Reminder email sent');
  });
});

describe('the outbox page: administrators and contract managers', () => {
  test('lists undelivered emails with their reason and a retry button', async () => {
    for (const user of [world.manager, world.admin]) {
      const agent = await signedInAgent(app, user.id);
      const page = await agent.get(paths.outbox.list).expect(200);
      expect(page.text).toContain('<h1>Email outbox</h1>');
      expect(page.text).toContain('Overdue: an earlier chaser');
      expect(page.text).toContain('old.address@alpha.example.nhs.uk');
      expect(page.text).toContain('550 5.1.1');
      expect(page.text).toContain(`action="${pathTo(paths.outbox.retry, { emailId: failedEmailId })}"`);
      expect(page.text).toContain('Retry the email to old.address@alpha.example.nhs.uk');
      // Outside production, the way to the emails kept as files, in words: no folder path.
      expect(page.text).toContain(`href="${paths.mailbox.list}"`);
      expect(page.text).toContain('No mail server is set up, so emails are kept on this computer');
      expect(page.text).not.toContain(dataDir);
      expectSoundStructure(page.text);
    }
  });

  test('is in the navigation of administrators and contract managers only', async () => {
    const manager = await signedInAgent(app, world.manager.id);
    expect((await manager.get(paths.home).expect(200)).text).toContain(`href="${paths.outbox.list}"`);
    const viewer = await signedInAgent(app, world.viewer.id);
    expect((await viewer.get(paths.home).expect(200)).text).not.toContain(`href="${paths.outbox.list}"`);
  });

  test('viewers and provider leads are refused; anonymous visitors go to sign in', async () => {
    for (const user of [world.viewer, world.leadA]) {
      const agent = await signedInAgent(app, user.id);
      await agent.get(paths.outbox.list).expect(403);
      const token = csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
      await agent
        .post(pathTo(paths.outbox.retry, { emailId: failedEmailId }))
        .type('form')
        .send({ _csrf: token })
        .expect(403);
    }
    await supertest(app).get(paths.outbox.list).expect(302).expect('Location', paths.signIn);
    expect((await db.prisma.outboxEmail.findUniqueOrThrow({ where: { id: failedEmailId } })).status).toBe(
      'failed',
    );
  });

  test('a retry needs the CSRF token', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    await agent
      .post(pathTo(paths.outbox.retry, { emailId: failedEmailId }))
      .type('form')
      .send({})
      .expect(403);
  });

  test('retry puts a failed email back in the queue with fresh attempts, audited, and it is sent', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const page = await agent.get(paths.outbox.list).expect(200);
    const retry = pathTo(paths.outbox.retry, { emailId: failedEmailId });
    const response = await agent
      .post(retry)
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text) })
      .expect(302);
    expect(response.headers.location).toBe(`${paths.outbox.list}?retried=old.address%40alpha.example.nhs.uk`);
    const after = await agent.get(response.headers.location ?? '').expect(200);
    expect(after.text).toContain(
      'The email to old.address@alpha.example.nhs.uk will be sent again within a minute.',
    );
    expect(after.text).not.toContain(`action="${retry}"`);

    expect(await db.prisma.outboxEmail.findUniqueOrThrow({ where: { id: failedEmailId } })).toMatchObject({
      status: 'pending',
      attempts: 0,
      nextAttemptAt: time.now,
    });
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'email.retry_requested', entityId: failedEmailId },
    });
    expect(audit).toMatchObject({
      actorId: world.manager.id,
      returnId: world.returnA.id,
      before: { status: 'failed', attempts: 1 },
      after: { status: 'pending', attempts: 0 },
    });
    expect(audit.requestId).toEqual(expect.any(String));

    // Retrying again is refused: it is no longer failed.
    await agent
      .post(retry)
      .type('form')
      .send({ _csrf: csrfTokenFrom(after.text) })
      .expect(409);

    // The sender takes it from there (a file here: no SMTP server is configured).
    expect(await sendJob(jobs)).toMatchObject({ counts: { sent: 1 } });
    expect((await db.prisma.outboxEmail.findUniqueOrThrow({ where: { id: failedEmailId } })).status).toBe(
      'sent',
    );
  });

  test('an id that is not an email is not found', async () => {
    const agent = await signedInAgent(app, world.admin.id);
    const token = csrfTokenFrom((await agent.get(paths.outbox.list).expect(200)).text);
    await agent
      .post(pathTo(paths.outbox.retry, { emailId: world.returnA.id }))
      .type('form')
      .send({ _csrf: token })
      .expect(404);
    await agent.post('/outbox/not-a-uuid/retry').type('form').send({ _csrf: token }).expect(404);
  });
});

describe('the local mailbox: staff, outside production, with no SMTP server', () => {
  test('lists the emails kept as files, shows each, and its HTML sandboxed', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const list = await agent.get(paths.mailbox.list).expect(200);
    expect(list.text).toContain('<h1>Emails kept on this computer</h1>');
    expect(list.text).not.toContain(dataDir);
    expect(list.text).toContain(
      `Overdue: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (${world.period.label}) was due on 31 March 2027`,
    );
    const href = /href="(\/dev\/mail\/[^"]+)">Overdue: Accessible/.exec(list.text)?.[1];
    if (!href) throw new Error('no email link');

    expectSoundStructure(list.text);
    const email = await agent.get(href).expect(200);
    expectSoundStructure(email.text);
    expect(email.text).toContain('<pre class="app-email-text">');
    expect(email.text).toContain('Dear ');
    const html = await agent.get(`${href}/html`).expect(200);
    expect(html.headers['content-security-policy']).toBe(
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    expect(html.text).toContain('<html lang="en">');
  });

  test('provider leads are refused, unknown emails are not found', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.get(paths.mailbox.list).expect(403);
    const admin = await signedInAgent(app, world.admin.id);
    await admin.get(pathTo(paths.mailbox.show, { emailId: 'no-such-email' })).expect(404);
    await admin.get('/dev/mail/..%2Fsession-secret').expect(404);
  });

  test('does not exist in production', async () => {
    const production = buildTestApp(db, {
      config: testConfig(productionEnvironment(db.url)),
      mailer: jobs.mailer,
    });
    await supertest(production).get(paths.mailbox.list).expect(404);
  });
});
