import type { ReminderJobDeps } from '../../jobs/reminder-job-deps.js';
import { scheduledJobs } from '../../jobs/schedule.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { run as digestJob } from '../../jobs/weekly-digest.js';
import { testConfig } from '../support/app.js';
import { chaserConfig, createChaserWorld, dayFrom, fakeClock, jobDeps } from '../support/chaser-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createContract, createProvider, createReturn, importTestStandards } from '../support/fixtures.js';
import { addresses, startSmtpSink, type SmtpSink } from '../support/smtp.js';

// The weekly digest: off by default; when on, one email per contract manager listing the overdue
// returns on their contracts, once per day it runs.

let db: TestDatabase;
let sink: SmtpSink;
let deps: ReminderJobDeps;
const time = fakeClock(dayFrom(10));

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  sink = await startSmtpSink();
  deps = jobDeps(db, chaserConfig(sink.port, { DIGEST_ENABLED: 'true' }), time);
});
afterAll(async () => {
  await deps.mailer.close();
  await sink.close();
  await db.drop();
});

test('the digest is not scheduled unless DIGEST_ENABLED, then on JOBS_DIGEST_CRON', () => {
  expect(scheduledJobs(testConfig()).map((job) => job.name)).not.toContain('weekly-digest');
  const enabled = scheduledJobs(testConfig({ DIGEST_ENABLED: 'true', JOBS_DIGEST_CRON: '30 8 * * 1' }));
  expect(enabled.find((job) => job.name === 'weekly-digest')?.expression).toBe('30 8 * * 1');
  expect(enabled.map((job) => job.name)).toEqual(
    expect.arrayContaining(['prune-sessions', 'enqueue-chasers', 'send-email', 'weekly-digest']),
  );
});

test('each contract manager gets one digest of the overdue returns on their contracts', async () => {
  const first = await createChaserWorld(db.prisma);
  const second = await createChaserWorld(db.prisma);
  // A second, more overdue return for the first manager (EDS 2022, due 28 February 2027).
  const care = await createProvider(db.prisma, { name: 'Bravo Care Home', type: 'care_home' });
  const careContract = await createContract(db.prisma, care.id, first.manager.id);
  const eds = await db.prisma.frameworkVersion.findFirstOrThrow({
    where: { code: '2022', framework: { code: 'EDS' } },
  });
  const edsDue = new Date('2027-02-28T00:00:00Z');
  const edsReturn = await createReturn(
    db.prisma,
    {
      contractId: careContract.id,
      providerId: care.id,
      frameworkVersionId: eds.id,
      periodId: first.period.id,
    },
    { dueDate: edsDue, originalDueDate: edsDue },
  );
  // Not overdue, or no longer owed: not listed.
  await db.prisma.return.update({
    where: { id: second.theReturn.id },
    data: { status: 'submitted', submittedAt: time.now },
  });
  const third = await createChaserWorld(db.prisma);
  await createChaserWorld(db.prisma, { dueDate: new Date('2027-06-30T00:00:00Z') });

  expect(await digestJob(deps)).toMatchObject({ counts: { digestsQueued: 2, overdueReturns: 3 } });
  expect(await digestJob(deps)).toMatchObject({ counts: { digestsQueued: 0, overdueReturns: 3 } });
  await sendJob(deps);
  const received = sink.take();
  expect(received.map((email) => addresses(email.parsed.to)).sort()).toEqual(
    [[first.manager.email], [third.manager.email]].sort(),
  );
  const digest = received.find((email) => addresses(email.parsed.to).includes(first.manager.email))?.parsed;
  expect(digest?.subject).toBe('2 overdue returns on your contracts');
  expect(digest?.text?.trim()).toBe(
    [
      'Dear Cora Manager,',
      '',
      'These 2 returns on your contracts were overdue on 10 April 2027. Their provider leads are chased by email automatically.',
      '',
      '- Bravo Care Home: Equality Delivery System 2022, 2026/27, due 28 February 2027, 41 days overdue',
      `  https://tracker.example.nhs.uk/returns/${edsReturn.id}`,
      '- Alpha Hospitals NHS Trust: Accessible Information Standard 2025, 2026/27, due 31 March 2027, 10 days overdue',
      `  https://tracker.example.nhs.uk/returns/${first.theReturn.id}`,
      '',
      'You are receiving this weekly email because you manage contracts on the Accessible information and equality compliance service run by NHS West Yorkshire Integrated Care Board.',
    ].join('\n'),
  );
  expect(String(digest?.html)).toContain('<caption');
  expect(String(digest?.html)).toContain('<th scope="col"');

  // The digest row is recorded like any email, with no return of its own.
  const rows = await db.prisma.outboxEmail.findMany({ where: { idempotencyKey: { startsWith: 'digest:' } } });
  expect(rows).toHaveLength(2);
  expect(rows.every((row) => row.status === 'sent' && row.returnId === null)).toBe(true);
  expect(await db.prisma.auditEvent.count({ where: { action: 'digest.queued' } })).toBe(2);
});
