import { run as enqueueActionJob } from '../../jobs/enqueue-action-chasers.js';
import type { ReminderJobDeps } from '../../jobs/reminder-job-deps.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { enqueueActionChasers } from '../../src/actions/action-chasers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { chaserConfig, dayFrom, fakeClock, jobDeps, type FakeClock } from '../support/chaser-fixtures.js';
import { createContract, createProvider, createProviderLead, createUser } from '../support/fixtures.js';
import { addresses, startSmtpSink, type ReceivedEmail, type SmtpSink } from '../support/smtp.js';

// Issue 14: overdue actions chased by email, end to end: the job writes one digest per provider and
// lead on the reminder ladder's overdue rungs (7 days, then every 7 days; the contract manager copied
// from 14 days), the sender delivers them to a real SMTP server on loopback. Old actions (as the
// migration of answers leaves them: not started, long past their date) come in one digest, never
// one email each; an action recorded already overdue is never chased; nothing is sent twice.

let db: TestDatabase;
let sink: SmtpSink;
let time: FakeClock;
let deps: ReminderJobDeps;
let leadEmails: string[];
let managerEmail: string;
let quietManagerEmail: string;
let qLeadEmail: string;
const ids: Record<string, string> = {};

const CREATED = new Date('2026-09-01T09:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  sink = await startSmtpSink();
  time = fakeClock(dayFrom(7));
  deps = jobDeps(db, chaserConfig(sink.port), time);
  const p = await createProvider(db.prisma, { name: 'Alpha & <Sons> Hospitals NHS Trust' });
  leadEmails = [];
  for (const [index, name] of ['Lena Lead', 'Leo Lead'].entries()) {
    const lead = await createProviderLead(db.prisma, p.id, {
      displayName: name,
      email: `lead${index + 1}@alpha.example.nhs.uk`,
    });
    leadEmails.push(lead.email);
  }
  // A contributor is not chased: leads are.
  const contributor = await createProviderLead(db.prisma, p.id, { email: 'contrib@alpha.example.nhs.uk' });
  await db.prisma.membership.update({
    where: { userId_providerId: { userId: contributor.id, providerId: p.id } },
    data: { role: 'contributor' },
  });
  const manager = await createUser(db.prisma, {
    role: 'contract_manager',
    displayName: 'Cora Manager',
    email: 'cora.manager@icb.example.nhs.uk',
  });
  managerEmail = manager.email;
  await createContract(db.prisma, p.id, manager.id);
  // Another provider with its own lead and overdue action; and one with no lead at all.
  const q = await createProvider(db.prisma, { name: 'Quarry Surgery' });
  qLeadEmail = (await createProviderLead(db.prisma, q.id, { email: 'lead@quarry.example.org' })).email;
  const r = await createProvider(db.prisma, { name: 'Rowan Care Home' });
  const quietManager = await createUser(db.prisma, {
    role: 'contract_manager',
    displayName: 'Quinn Manager',
    email: 'quinn.manager@icb.example.nhs.uk',
  });
  quietManagerEmail = quietManager.email;
  await createContract(db.prisma, r.id, quietManager.id);

  const add = async (
    key: string,
    providerId: string,
    data: { dueDate: string; status?: 'not_started' | 'in_progress' | 'done'; createdAt?: Date },
  ) => {
    const action = await db.prisma.action.create({
      data: {
        providerId,
        description: `Action ${key}`,
        owner: `Owner of ${key}`,
        dueDate: new Date(data.dueDate),
        status: data.status ?? 'not_started',
        createdAt: data.createdAt ?? CREATED,
      },
    });
    ids[key] = action.id;
  };
  // Due on DUE_DATE (31 March 2027): 7, 14, 21 days overdue on days 7, 14, 21.
  await add('a1', p.id, { dueDate: '2027-03-31' });
  // Due 3 days later: its rungs fall on days 10 and 17.
  await add('a2', p.id, { dueDate: '2027-04-03', status: 'in_progress' });
  // Old actions, as the migration leaves them (not started, due 2 December 2026: 126 days overdue on day 7).
  await add('m2', p.id, { dueDate: '2026-12-02' });
  await add('m3', p.id, { dueDate: '2026-12-02' });
  // Recorded (moved from an old answer) when its date had already passed: never chased.
  await add('m1', p.id, { dueDate: '2026-06-01' });
  // Done: never chased.
  await add('d1', p.id, { dueDate: '2027-03-01', status: 'done' });
  await add('q1', q.id, { dueDate: '2027-03-31' });
  await add('r1', r.id, { dueDate: '2027-03-31' });
});
afterAll(async () => {
  await deps.mailer.close();
  await sink.close();
  await db.drop();
});

async function runDay(day: number): Promise<ReceivedEmail[]> {
  time.set(dayFrom(day));
  expect((await enqueueActionJob(deps)).status).toBe('succeeded');
  expect((await sendJob(deps)).status).toBe('succeeded');
  return sink.take();
}

const byRecipient = (x: { to: string[] }, y: { to: string[] }) => x.to.join().localeCompare(y.to.join());

const listed = (email: ReceivedEmail) =>
  Object.keys(ids)
    .filter((key) => (email.parsed.text ?? '').includes(`Action ${key} `))
    .sort();

test('one digest per provider and lead on each overdue rung, old actions together, escalation copied, never twice', async () => {
  const first = await runDay(7);
  const seen = first.map((email) => ({
    to: addresses(email.parsed.to),
    cc: addresses(email.parsed.cc),
    subject: email.parsed.subject,
    listed: listed(email),
  }));
  // The old actions are long overdue, past escalation: the contract manager is copied in already.
  expect(seen.sort(byRecipient)).toEqual(
    [
      ...leadEmails.map((lead) => ({
        to: [lead],
        cc: [managerEmail],
        subject: '3 overdue actions for Alpha & <Sons> Hospitals NHS Trust',
        listed: ['a1', 'm2', 'm3'],
      })),
      { to: [qLeadEmail], cc: [], subject: '1 overdue action for Quarry Surgery', listed: ['q1'] },
    ].sort(byRecipient),
  );
  const email = first.find((sent) => addresses(sent.parsed.to).includes(leadEmails[0] ?? ''))?.parsed;
  if (!email) throw new Error('no email');
  expect(email.text).toContain('Dear Lena Lead,');
  expect(email.text).toContain('- Action a1 (owner: Owner of a1; due 31 March 2027, 7 days overdue)');
  expect(email.text).toContain('- Action m2 (owner: Owner of m2; due 2 December 2026, 126 days overdue)');
  expect(email.text).toContain(`https://tracker.example.nhs.uk/actions/${ids.a1 ?? ''}`);
  expect(email.text).toContain(`https://tracker.example.nhs.uk/actions?provider=`);
  expect(email.html).toContain('Alpha &amp; &lt;Sons&gt; Hospitals NHS Trust');
  expect(email.html).not.toContain('<Sons>');

  // The same day again, and the days after: nothing new.
  expect(await enqueueActionChasers(deps, dayFrom(7))).toMatchObject({ chasersQueued: 0, actionsChased: 0 });
  expect(await runDay(7)).toEqual([]);
  expect(await runDay(8)).toEqual([]);
  expect(await runDay(9)).toEqual([]);

  // a2 reaches 7 days overdue alone.
  const tenth = await runDay(10);
  expect(
    tenth
      .map((sent) => ({ to: addresses(sent.parsed.to), cc: addresses(sent.parsed.cc), listed: listed(sent) }))
      .sort(byRecipient),
  ).toEqual(leadEmails.map((lead) => ({ to: [lead], cc: [], listed: ['a2'] })).sort(byRecipient));

  // m3 is done now; at 14 days overdue the contract manager is copied in; the provider without a
  // lead has its contract manager chased instead, from escalation on.
  await db.prisma.action.update({ where: { id: ids.m3 ?? '' }, data: { status: 'done' } });
  const fourteenth = await runDay(14);
  expect(
    fourteenth
      .map((sent) => ({ to: addresses(sent.parsed.to), cc: addresses(sent.parsed.cc), listed: listed(sent) }))
      .sort(byRecipient),
  ).toEqual(
    [
      ...leadEmails.map((lead) => ({ to: [lead], cc: [managerEmail], listed: ['a1', 'm2'] })),
      { to: [qLeadEmail], cc: [], listed: ['q1'] },
      { to: [quietManagerEmail], cc: [], listed: ['r1'] },
    ].sort(byRecipient),
  );
  const escalated = fourteenth.find((sent) => addresses(sent.parsed.to).includes(leadEmails[0] ?? ''));
  expect(escalated?.parsed.text).toContain('Cora Manager (contract management) has been copied in.');
  const toManager = fourteenth.find((sent) => addresses(sent.parsed.to).includes(quietManagerEmail));
  expect(toManager?.parsed.text).toContain('Rowan Care Home has no provider lead');

  expect(await runDay(15)).toEqual([]);
  // Nobody is ever told about the action recorded already overdue, nor the done one.
  const everything = await db.prisma.outboxEmail.findMany({ select: { textBody: true, status: true } });
  expect(everything.every((row) => row.status === 'sent')).toBe(true);
  expect(
    everything.some((row) => row.textBody.includes('Action m1 ') || row.textBody.includes('Action d1 ')),
  ).toBe(false);
  expect(await db.prisma.auditEvent.count({ where: { action: 'action_chaser.queued' } })).toBe(
    everything.length,
  );
  expect(everything).toHaveLength(3 + 2 + 4);
});
