import { run as enqueueActionJob } from '../../jobs/enqueue-action-chasers.js';
import type { ReminderJobDeps } from '../../jobs/reminder-job-deps.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { chaserConfig, dayFrom, fakeClock, jobDeps, type FakeClock } from '../support/chaser-fixtures.js';
import { createProvider, createProviderLead } from '../support/fixtures.js';
import { addresses, startSmtpSink, type SmtpSink } from '../support/smtp.js';

// Issue 14: an overdue-actions digest is re-checked when it is sent, as a return's chaser is: an
// action marked done or cancelled, deleted, or given a new due date after the digest was queued is
// left out (the outbox row is written again first, so it holds what went out), and a digest with no
// action left is not sent at all (cancelled, with the reason). Through the real SMTP test server.

let db: TestDatabase;
let sink: SmtpSink;
let time: FakeClock;
let deps: ReminderJobDeps;
const ids: Record<string, string> = {};
const lead: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  sink = await startSmtpSink();
  time = fakeClock(dayFrom(7));
  deps = jobDeps(db, chaserConfig(sink.port), time);
  for (const [key, name, actions] of [
    ['p', 'Pine Hospital', ['p1', 'p2', 'p3']],
    ['q', 'Quay Practice', ['q1', 'q2']],
    ['s', 'Sorrel Care', ['s1']],
  ] as const) {
    const provider = await createProvider(db.prisma, { name });
    lead[key] = (
      await createProviderLead(db.prisma, provider.id, { email: `lead@${key}.example.nhs.uk` })
    ).email;
    for (const action of actions) {
      ids[action] = (
        await db.prisma.action.create({
          data: {
            providerId: provider.id,
            description: `Action ${action}`,
            owner: `Owner of ${action}`,
            dueDate: new Date('2027-03-31'),
            createdAt: new Date('2026-09-01T09:00:00Z'),
          },
        })
      ).id;
    }
  }
});
afterAll(async () => {
  await deps.mailer.close();
  await sink.close();
  await db.drop();
});

const rowTo = (address: string) =>
  db.prisma.outboxEmail.findFirstOrThrow({ where: { toAddress: address }, orderBy: { createdAt: 'desc' } });

test('actions closed, re-dated or deleted after the digest was queued are left out; none left, it is not sent', async () => {
  expect((await enqueueActionJob(deps)).status).toBe('succeeded');
  const queued = await rowTo(lead.p ?? '');
  expect(queued.subject).toBe('3 overdue actions for Pine Hospital');

  // Between queueing and sending: p1 done, p2 given a new date; q1 cancelled, q2 deleted.
  await db.prisma.action.update({ where: { id: ids.p1 ?? '' }, data: { status: 'done' } });
  await db.prisma.action.update({ where: { id: ids.p2 ?? '' }, data: { dueDate: new Date('2027-04-30') } });
  await db.prisma.action.update({ where: { id: ids.q1 ?? '' }, data: { status: 'cancelled' } });
  await db.prisma.action.delete({ where: { id: ids.q2 ?? '' } });

  expect((await sendJob(deps)).status).toBe('succeeded');
  const sent = sink.take();
  expect(sent.map((email) => addresses(email.parsed.to)).sort()).toEqual([[lead.p], [lead.s]]);

  const pine = sent.find((email) => addresses(email.parsed.to).includes(lead.p ?? ''))?.parsed;
  expect(pine?.subject).toBe('1 overdue action for Pine Hospital');
  expect(pine?.text).toContain('- Action p3 (owner: Owner of p3; due 31 March 2027, 7 days overdue)');
  expect(pine?.text).not.toContain('Action p1');
  expect(pine?.text).not.toContain('Action p2');
  // The outbox holds what went out, and the audit trail says why it changed.
  const pineRow = await rowTo(lead.p ?? '');
  expect(pineRow).toMatchObject({ status: 'sent', subject: '1 overdue action for Pine Hospital' });
  expect(pineRow.textBody).not.toContain('Action p1');
  expect(
    await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'email.rewritten', entityId: pineRow.id },
    }),
  ).toMatchObject({
    before: { subject: '3 overdue actions for Pine Hospital' },
    after: {
      subject: '1 overdue action for Pine Hospital',
      reason:
        '2 actions left out: marked done or cancelled, deleted, or given a new due date before this email went out',
    },
  });

  // Nothing left for Quay: not sent, with the reason kept and audited.
  const quayRow = await rowTo(lead.q ?? '');
  expect(quayRow).toMatchObject({
    status: 'cancelled',
    sentAt: null,
    lastError:
      'Not sent: every action it listed was marked done or cancelled, deleted, or given a new due date before this email went out',
  });
  expect(
    await db.prisma.auditEvent.count({ where: { action: 'email.cancelled', entityId: quayRow.id } }),
  ).toBe(1);

  // Untouched: sent exactly as it was written.
  const sorrelRow = await rowTo(lead.s ?? '');
  expect(sorrelRow).toMatchObject({ status: 'sent', subject: '1 overdue action for Sorrel Care' });
  expect(
    await db.prisma.auditEvent.count({ where: { action: 'email.rewritten', entityId: sorrelRow.id } }),
  ).toBe(0);
});
