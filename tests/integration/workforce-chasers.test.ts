import {
  run as enqueueWorkforceJob,
  type WorkforceChaserJobDeps,
} from '../../jobs/enqueue-workforce-chasers.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { createCaches } from '../../src/caches.js';
import type { ReturnStatus } from '../../src/generated/prisma/enums.js';
import { enqueueWorkforceChasers } from '../../src/workforce/workforce-chasers.js';
import { chaserConfig, dayFrom, fakeClock, jobDeps, type FakeClock } from '../support/chaser-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createProvider,
  createProviderLead,
  createUser,
  importTestStandards,
} from '../support/fixtures.js';
import { addresses, startSmtpSink, type ReceivedEmail, type SmtpSink } from '../support/smtp.js';

// Chasers for WRES and WDES returns, end to end on a frozen clock: the job writes the outbox on the
// returns' reminder ladder (14 and 3 days before, on the day, every 7 days overdue, the contract
// manager copied from 14 days overdue), the sender delivers through the real mailer to a real SMTP
// server on loopback. Both are due by 31 October of the data year (data/obligations/wres-report.json,
// wdes-report.json), so an NHS trust's lead gets one email listing both.

const DUE_2026 = new Date('2026-10-31T00:00:00Z');

let db: TestDatabase;
let sink: SmtpSink;
let time: FakeClock;
let deps: WorkforceChaserJobDeps;
let leadUserId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  sink = await startSmtpSink();
  time = fakeClock(dayFrom(-30, DUE_2026));
  deps = { ...jobDeps(db, chaserConfig(sink.port), time), caches: createCaches() };
  // Providers the obligations do not apply to, or whose kind is not recorded, hear nothing.
  const surgery = await createProvider(db.prisma, {
    name: 'Quiet Surgery',
    type: 'gp_practice',
    sector: 'gp_practice',
  });
  await createProviderLead(db.prisma, surgery.id, { email: 'quiet.lead@quiet.example.org' });
  const unknown = await createProvider(db.prisma, { name: 'Unrecorded Care', sector: null });
  await createProviderLead(db.prisma, unknown.id, { email: 'un.lead@unrecorded.example.org' });
  leadUserId = (await createUser(db.prisma, { role: 'provider_lead' })).id;
});
afterAll(async () => {
  await deps.mailer.close();
  await sink.close();
  await db.drop();
});

async function runDay(day: Date): Promise<ReceivedEmail[]> {
  time.set(day);
  expect((await enqueueWorkforceJob(deps)).status).toBe('succeeded');
  expect((await sendJob(deps)).status).toBe('succeeded');
  return sink.take();
}

async function nhsTrust(name: string, leadEmails: string[]) {
  const provider = await createProvider(db.prisma, {
    name,
    type: 'acute_trust',
    sector: 'nhs_trust',
    headcountBand: 'from_1000',
    turnoverBand: 'from_100m',
    financialYearEndMonth: 3,
    providesMentalHealthServices: false,
  });
  const leads = [];
  for (const email of leadEmails) leads.push(await createProviderLead(db.prisma, provider.id, { email }));
  return { provider, leads };
}

function workforceReturn(
  providerId: string,
  standardCode: 'WRES' | 'WDES',
  year: number,
  status: ReturnStatus,
) {
  return db.prisma.workforceReturn.create({
    data: {
      providerId,
      standardCode,
      standardVersion: standardCode === 'WRES' ? '2025' : '2023',
      year,
      status,
      createdById: leadUserId,
    },
    select: { id: true },
  });
}

test('an NHS trust’s WRES and WDES returns are chased together, once per rung, the contract manager copied from 14 days overdue, until submitted', async () => {
  const { provider, leads } = await nhsTrust('Aire & <Calder> NHS Trust', [
    'ada.lead@aire.example.nhs.uk',
    'abe.lead@aire.example.nhs.uk',
  ]);
  const manager = await createUser(db.prisma, {
    role: 'contract_manager',
    displayName: 'Cora Manager',
    email: 'cora.manager@icb.example.nhs.uk',
  });
  await createContract(db.prisma, provider.id, manager.id);
  // 2025's returns are in; 2026's WRES return has been started, its WDES return not.
  await workforceReturn(provider.id, 'WRES', 2025, 'accepted');
  await workforceReturn(provider.id, 'WDES', 2025, 'submitted');
  const wres = await workforceReturn(provider.id, 'WRES', 2026, 'in_progress');

  const byDay = new Map<number, ReceivedEmail[]>();
  for (let day = -20; day <= 15; day += 1) {
    const emails = await runDay(dayFrom(day, DUE_2026));
    if (emails.length > 0) byDay.set(day, emails);
  }
  expect([...byDay.keys()]).toEqual([-14, -3, 0, 7, 14]);
  const what = 'WDES and WRES returns for Aire & <Calder> NHS Trust (2026 data)';
  const to = leads.map((lead) => lead.email).sort();
  expect(
    [...byDay].map(([day, emails]) => ({
      day,
      subjects: [...new Set(emails.map((email) => email.parsed.subject))],
      to: emails.flatMap((email) => addresses(email.parsed.to)).sort(),
      cc: emails.map((email) => addresses(email.parsed.cc)),
    })),
  ).toEqual([
    { day: -14, subjects: [`Reminder: ${what} are due on 31 October 2026`], to, cc: [[], []] },
    { day: -3, subjects: [`Reminder: ${what} are due on 31 October 2026`], to, cc: [[], []] },
    { day: 0, subjects: [`Due today: ${what}`], to, cc: [[], []] },
    { day: 7, subjects: [`Overdue: ${what} were due on 31 October 2026`], to, cc: [[], []] },
    {
      day: 14,
      subjects: [`Overdue: ${what} were due on 31 October 2026`],
      to,
      cc: [[manager.email], [manager.email]],
    },
  ]);
  const texts = [...byDay.values()].map((emails) => emails[0]?.parsed.text ?? '');
  expect(texts[0]).toContain(`The ${what} are due on 31 October 2026, in 14 days.`);
  expect(texts[3]).toContain(
    `The ${what} were due on 31 October 2026. They are now 7 days overdue and not submitted.`,
  );
  expect(texts[3]).not.toContain('copied');
  expect(texts[4]).toContain(
    'Because they are 14 days overdue, your contract manager at NHS West Yorkshire Integrated Care Board, Cora Manager, is copied into this email.',
  );
  // The started return links to itself; the one not started to the page where it is started.
  expect(texts[3]).toContain(
    `- Workforce Race Equality Standard (WRES): in progress, not submitted. Open the WRES return for Aire & <Calder> NHS Trust:\n  https://tracker.example.nhs.uk/workforce/returns/${wres.id}`,
  );
  expect(texts[3]).toContain(
    `- Workforce Disability Equality Standard (WDES): not started. Start or open the WDES return for Aire & <Calder> NHS Trust:\n  https://tracker.example.nhs.uk/providers/${provider.id}/workforce`,
  );
  const html = byDay.get(7)?.[0]?.parsed.html;
  expect(html).toContain('Aire &amp; &lt;Calder&gt; NHS Trust');
  expect(html).not.toContain('<Calder>');

  // The same day again writes nothing new.
  expect(await enqueueWorkforceChasers(deps, dayFrom(14, DUE_2026))).toMatchObject({
    chasersQueued: 0,
    alreadyQueued: 2,
  });

  // WRES submitted: the next email is about WDES alone; both submitted: no more.
  await db.prisma.workforceReturn.update({ where: { id: wres.id }, data: { status: 'submitted' } });
  const wdesOnly = await runDay(dayFrom(21, DUE_2026));
  expect(wdesOnly.map((email) => email.parsed.subject)).toEqual([
    'Overdue: WDES return for Aire & <Calder> NHS Trust (2026 data) was due on 31 October 2026',
    'Overdue: WDES return for Aire & <Calder> NHS Trust (2026 data) was due on 31 October 2026',
  ]);
  await workforceReturn(provider.id, 'WDES', 2026, 'submitted');
  expect(await runDay(dayFrom(28, DUE_2026))).toEqual([]);

  const outbox = await db.prisma.outboxEmail.findMany({
    where: { workforceProviderId: provider.id },
    orderBy: [{ createdAt: 'asc' }, { toAddress: 'asc' }],
  });
  expect(
    outbox.map((row) => [row.stage, row.status, row.workforceYear, row.workforceStandards.join(',')]),
  ).toEqual([
    ...['-14', '-3', '0', '+7', '+14'].flatMap((rung) => [
      [`${rung}@2026-10-31`, 'sent', 2026, 'WDES,WRES'],
      [`${rung}@2026-10-31`, 'sent', 2026, 'WDES,WRES'],
    ]),
    ['+21@2026-10-31', 'sent', 2026, 'WDES'],
    ['+21@2026-10-31', 'sent', 2026, 'WDES'],
  ]);
  expect(await db.prisma.auditEvent.count({ where: { action: 'workforce_chaser.queued' } })).toBe(12);
});

test('a chaser queued before the returns were submitted is not sent: the sender drops it, audited', async () => {
  const { provider, leads } = await nhsTrust('Late Lane NHS Trust', ['lee.lead@latelane.example.nhs.uk']);
  const lead = leads[0];
  if (!lead) throw new Error('no lead');
  for (const code of ['WRES', 'WDES'] as const) await workforceReturn(provider.id, code, 2025, 'accepted');
  const wres = await workforceReturn(provider.id, 'WRES', 2026, 'in_progress');
  const wdes = await workforceReturn(provider.id, 'WDES', 2026, 'returned');
  time.set(dayFrom(35, DUE_2026));
  expect(await enqueueWorkforceChasers(deps, time.now)).toMatchObject({ chasersQueued: 1 });
  const queued = await db.prisma.outboxEmail.findFirstOrThrow({
    where: { workforceProviderId: provider.id },
  });
  expect(queued).toMatchObject({
    status: 'pending',
    toAddress: lead.email,
    workforceYear: 2026,
    workforceStandards: ['WDES', 'WRES'],
  });
  expect(queued.textBody).toContain('sent back to you for changes');

  // The lead submits both before the sender gets to the chaser.
  await db.prisma.workforceReturn.updateMany({
    where: { id: { in: [wres.id, wdes.id] } },
    data: { status: 'submitted', submittedAt: time.now },
  });
  expect((await sendJob(deps)).status).toBe('succeeded');
  expect(sink.take().filter((email) => addresses(email.parsed.to).includes(lead.email))).toEqual([]);
  const reason = 'Not sent: the WRES or WDES return was submitted before this email went out';
  expect(await db.prisma.outboxEmail.findUniqueOrThrow({ where: { id: queued.id } })).toMatchObject({
    status: 'cancelled',
    sentAt: null,
    lastError: reason,
  });
  const audit = await db.prisma.auditEvent.findFirstOrThrow({
    where: { action: 'email.cancelled', entityId: queued.id },
  });
  expect(audit.after).toMatchObject({ status: 'cancelled', to: lead.email, reason });
});

test('across the calendar and financial year ends, a 2026 return stays chased every 7 days under its own year, and 2027’s is not chased early', async () => {
  const { provider, leads } = await nhsTrust('Yew Tree NHS Foundation Trust', [
    'yara.lead@yewtree.example.nhs.uk',
  ]);
  await db.prisma.provider.update({ where: { id: provider.id }, data: { sector: 'nhs_foundation_trust' } });
  for (const code of ['WRES', 'WDES'] as const) await workforceReturn(provider.id, code, 2025, 'accepted');
  const seen: [string, string][] = [];
  const days = [
    ...Array.from({ length: 14 }, (_, index) => 53 + index), // 23 December 2026 to 5 January 2027
    ...Array.from({ length: 12 }, (_, index) => 145 + index), // 25 March to 5 April 2027
  ];
  for (const day of days) {
    const date = dayFrom(day, DUE_2026);
    for (const email of await runDay(date)) {
      if (!addresses(email.parsed.to).includes(leads[0]?.email ?? '')) continue;
      seen.push([date.toISOString().slice(0, 10), email.parsed.subject ?? '']);
    }
  }
  const what =
    'WDES and WRES returns for Yew Tree NHS Foundation Trust (2026 data) were due on 31 October 2026';
  // The first day of each stretch catches up the rung last reached (the job had not run since).
  expect(seen).toEqual([
    ['2026-12-23', `Overdue: ${what}`],
    ['2026-12-26', `Overdue: ${what}`],
    ['2027-01-02', `Overdue: ${what}`],
    ['2027-03-25', `Overdue: ${what}`],
    ['2027-03-27', `Overdue: ${what}`],
    ['2027-04-03', `Overdue: ${what}`],
  ]);
  const rows = await db.prisma.outboxEmail.findMany({
    where: { workforceProviderId: provider.id },
    orderBy: [{ createdAt: 'asc' }],
  });
  expect(rows.map((row) => `${row.workforceYear}:${row.stage}`)).toEqual([
    '2026:+49@2026-10-31',
    '2026:+56@2026-10-31',
    '2026:+63@2026-10-31',
    '2026:+140@2026-10-31',
    '2026:+147@2026-10-31',
    '2026:+154@2026-10-31',
  ]);
  // Only the trust's lead was written to: the surgery and the provider of unknown kind never were.
  const others = await db.prisma.outboxEmail.count({
    where: { toAddress: { in: ['quiet.lead@quiet.example.org', 'un.lead@unrecorded.example.org'] } },
  });
  expect(others).toBe(0);
});
