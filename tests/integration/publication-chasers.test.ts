import {
  run as enqueuePublicationJob,
  type PublicationChaserJobDeps,
} from '../../jobs/enqueue-publication-chasers.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { isoDate } from '../../src/format.js';
import { loadObligations } from '../../src/obligations/obligation-files.js';
import { enqueuePublicationChasers } from '../../src/obligations/publication-chasers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { chaserConfig, dayFrom, fakeClock, jobDeps, type FakeClock } from '../support/chaser-fixtures.js';
import {
  createContract,
  createProvider,
  createProviderLead,
  createUser,
  importTestStandards,
} from '../support/fixtures.js';
import { addresses, startSmtpSink, type ReceivedEmail, type SmtpSink } from '../support/smtp.js';

// Chasers for an equality publication, end to end: the job writes the outbox on the returns'
// reminder ladder (the same REMINDER_LADDER: 14 and 3 days before, on the day, every 7 days overdue,
// the contract manager copied from 14 days overdue), the sender delivers through the real mailer to a real SMTP server on loopback.

// The WRES report for 2026/27 falls due on 31 October 2026 (data/obligations/wres-report.json).
const WRES_DUE = new Date('2026-10-31T00:00:00Z');

let db: TestDatabase;
let sink: SmtpSink;
let time: FakeClock;
let deps: PublicationChaserJobDeps;
let providerId: string;
let leadEmails: string[];
let managerEmail: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  sink = await startSmtpSink();
  time = fakeClock(dayFrom(-30, WRES_DUE));
  deps = { ...jobDeps(db, chaserConfig(sink.port), time), caches: { obligations: loadObligations() } };
  // A small care home: of the obligations, only the WRES report (and, later, the AIS
  // self-assessment) applies. Its 2025/26 WRES report is recorded, so only 2026/27's is chased.
  const provider = await createProvider(db.prisma, {
    name: 'Brook & <Heath> Care Home',
    type: 'care_home',
    sector: 'care_home',
    headcountBand: 'under_150',
    turnoverBand: 'under_10m',
    financialYearEndMonth: 3,
    providesMentalHealthServices: false,
  });
  providerId = provider.id;
  const first = await createProviderLead(db.prisma, provider.id, {
    displayName: 'Bea Lead',
    email: 'bea.lead@brook.example.org',
  });
  const second = await createProviderLead(db.prisma, provider.id, {
    displayName: 'Bo Lead',
    email: 'bo.lead@brook.example.org',
  });
  leadEmails = [first.email, second.email];
  const manager = await createUser(db.prisma, {
    role: 'contract_manager',
    displayName: 'Cora Manager',
    email: 'cora.manager@icb.example.nhs.uk',
  });
  managerEmail = manager.email;
  await createContract(db.prisma, provider.id, manager.id);
  // A contract that ended: its manager is not copied in.
  const former = await createUser(db.prisma, {
    role: 'contract_manager',
    email: 'former@icb.example.nhs.uk',
  });
  await createContract(db.prisma, provider.id, former.id, { endDate: new Date('2026-03-31') });
  // Another provider's lead, with nothing overdue of its own, hears nothing.
  const other = await createProvider(db.prisma, {
    name: 'Quiet Surgery',
    type: 'gp_practice',
    sector: 'gp_practice',
  });
  await createProviderLead(db.prisma, other.id, { email: 'quiet.lead@quiet.example.org' });
  await db.prisma.publication.create({
    data: {
      providerId,
      obligationCode: 'wres-report',
      obligationVersion: 1,
      year: 2025,
      status: 'checked',
      url: 'https://www.brook.example.org/wres-2025',
      publishedOn: new Date('2025-10-01'),
      recordedById: first.id,
      recordedAt: new Date('2025-10-01T10:00:00Z'),
      checkedById: (await createUser(db.prisma, { role: 'contract_manager' })).id,
      checkedAt: new Date('2025-10-02T10:00:00Z'),
    },
  });
});
afterAll(async () => {
  await deps.mailer.close();
  await sink.close();
  await db.drop();
});

async function runDay(day: Date): Promise<ReceivedEmail[]> {
  time.set(day);
  expect((await enqueuePublicationJob(deps)).status).toBe('succeeded');
  expect((await sendJob(deps)).status).toBe('succeeded');
  return sink.take();
}

test('a publication is chased 14 and 3 days before, on the day and every 7 days overdue, once each, the contract manager copied from 14 days overdue, until it is recorded', async () => {
  const byDay = new Map<number, ReceivedEmail[]>();
  for (let day = -20; day <= 15; day += 1) {
    const emails = await runDay(dayFrom(day, WRES_DUE));
    if (emails.length > 0) byDay.set(day, emails);
  }
  expect([...byDay.keys()]).toEqual([-14, -3, 0, 7, 14]);
  const what = 'Workforce Race Equality Standard (WRES) report for Brook & <Heath> Care Home';
  const seen = [...byDay].map(([day, emails]) => ({
    day,
    subjects: [...new Set(emails.map((email) => email.parsed.subject))],
    to: emails.flatMap((email) => addresses(email.parsed.to)).sort(),
    cc: emails.map((email) => addresses(email.parsed.cc)),
  }));
  const leads = [...leadEmails].sort();
  expect(seen).toEqual([
    { day: -14, subjects: [`Reminder: ${what} is due on 31 October 2026`], to: leads, cc: [[], []] },
    { day: -3, subjects: [`Reminder: ${what} is due on 31 October 2026`], to: leads, cc: [[], []] },
    { day: 0, subjects: [`Due today: ${what}`], to: leads, cc: [[], []] },
    { day: 7, subjects: [`Overdue: ${what} was due on 31 October 2026`], to: leads, cc: [[], []] },
    {
      day: 14,
      subjects: [`Overdue: ${what} was due on 31 October 2026`],
      to: leads,
      cc: [[managerEmail], [managerEmail]],
    },
  ]);
  const texts = [...byDay.values()].map((emails) => emails[0]?.parsed.text ?? '');
  expect(texts[0]).toContain(`The ${what} (2026/27) is due on 31 October 2026, in 14 days.`);
  expect(texts[2]).toContain(
    `The ${what} (2026/27) is due today, 31 October 2026, and no publication has been recorded.`,
  );
  expect(texts[3]).toContain(
    `The ${what} (2026/27) was due on 31 October 2026. It is now 7 days overdue, and no publication has been recorded.`,
  );
  expect(texts[3]).not.toContain('copied');
  expect(texts[4]).toContain(
    'Because it is 14 days overdue, your contract manager at NHS West Yorkshire Integrated Care Board, Cora Manager, is copied into this email.',
  );
  const email = byDay.get(7)?.[0]?.parsed;
  if (!email) throw new Error('no email');
  expect(email.text).toContain(
    `https://tracker.example.nhs.uk/providers/${providerId}/publications?year=2026`,
  );
  expect(email.html).toContain('Brook &amp; &lt;Heath&gt; Care Home');
  expect(email.html).not.toContain('<Heath>');

  // Running the same day again writes nothing new.
  const again = await enqueuePublicationChasers(deps, dayFrom(14, WRES_DUE));
  expect(again).toMatchObject({ chasersQueued: 0, alreadyQueued: 2 });

  // Recorded: no more chasers.
  await db.prisma.publication.create({
    data: {
      providerId,
      obligationCode: 'wres-report',
      obligationVersion: 1,
      year: 2026,
      status: 'published',
      url: 'https://www.brook.example.org/wres-2026',
      publishedOn: new Date('2026-11-16'),
      recordedById: (await db.prisma.user.findFirstOrThrow({ where: { email: leadEmails[0] } })).id,
      recordedAt: new Date('2026-11-16T10:00:00Z'),
    },
  });
  expect(await runDay(dayFrom(21, WRES_DUE))).toEqual([]);

  const queued = await db.prisma.auditEvent.count({ where: { action: 'publication_chaser.queued' } });
  expect(queued).toBe(10);
  const outbox = await db.prisma.outboxEmail.findMany({
    orderBy: [{ createdAt: 'asc' }, { toAddress: 'asc' }],
  });
  expect(outbox.map((row) => [row.stage, row.status, row.returnId])).toEqual(
    ['-14', '-3', '0', '+7', '+14'].flatMap((rung) => [
      [`${rung}@2026-10-31`, 'sent', null],
      [`${rung}@2026-10-31`, 'sent', null],
    ]),
  );
});

test('a chaser queued before the publication was recorded is not sent: the sender drops it, audited', async () => {
  const provider = await createProvider(db.prisma, {
    name: 'Late Lane Care Home',
    type: 'care_home',
    sector: 'care_home',
    headcountBand: 'under_150',
    turnoverBand: 'under_10m',
    financialYearEndMonth: 3,
    providesMentalHealthServices: false,
  });
  const lead = await createProviderLead(db.prisma, provider.id, { email: 'lee.lead@latelane.example.org' });
  time.set(dayFrom(7, WRES_DUE));
  await enqueuePublicationChasers(deps, time.now);
  // Its 2025/26 report (nothing recorded) is overdue too: that chaser is still sent.
  const rows = await db.prisma.outboxEmail.findMany({ where: { publicationProviderId: provider.id } });
  expect(rows.map((row) => row.publicationYear).sort()).toEqual([2025, 2026]);
  const queued = await db.prisma.outboxEmail.findFirstOrThrow({
    where: { publicationProviderId: provider.id, publicationYear: 2026 },
  });
  expect(queued).toMatchObject({
    status: 'pending',
    toAddress: lead.email,
    publicationObligationCode: 'wres-report',
    publicationYear: 2026,
  });

  // The lead records the WRES report before the sender gets to the chaser.
  await db.prisma.publication.create({
    data: {
      providerId: provider.id,
      obligationCode: 'wres-report',
      obligationVersion: 1,
      year: 2026,
      status: 'published',
      url: 'https://www.latelane.example.org/wres-2026',
      publishedOn: new Date('2026-11-06'),
      recordedById: lead.id,
      recordedAt: time.now,
    },
  });
  expect((await sendJob(deps)).status).toBe('succeeded');
  const toLead = sink.take().filter((email) => addresses(email.parsed.to).includes(lead.email));
  expect(toLead.map((email) => email.parsed.subject)).toEqual([
    'Overdue: Workforce Race Equality Standard (WRES) report for Late Lane Care Home was due on 31 October 2025',
  ]);

  const reason = 'Not sent: the publication was recorded before this email went out';
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

test('across the year end: a due date early in the next financial year is chased from this one, and last year’s from the next, once each', async () => {
  const provider = await createProvider(db.prisma, {
    name: 'Yew Tree Independent Hospital',
    type: 'independent_provider',
    sector: 'independent',
    headcountBand: 'from_250_to_999',
    turnoverBand: 'from_36m_to_under_100m',
    financialYearEndMonth: 6,
    providesMentalHealthServices: false,
  });
  const lead = await createProviderLead(db.prisma, provider.id, {
    displayName: 'Yara Lead',
    email: 'yara.lead@yewtree.example.org',
  });
  const manager = await createUser(db.prisma, {
    role: 'contract_manager',
    displayName: 'Carl Manager',
    email: 'carl.manager@icb.example.nhs.uk',
  });
  await createContract(db.prisma, provider.id, manager.id);
  // Everything else it owes is recorded, so only the AIS self-assessment (31 March 2027, the last
  // day of 2026/27) and the gender pay gap report (4 April 2027, in 2027/28) are chased.
  for (const year of [2025, 2026]) {
    for (const obligationCode of ['wres-report', 'modern-slavery-statement', 'gender-pay-gap']) {
      await db.prisma.publication.create({
        data: {
          providerId: provider.id,
          obligationCode,
          obligationVersion: 1,
          year,
          status: 'published',
          url: `https://www.yewtree.example.org/${obligationCode}-${year}`,
          publishedOn: new Date(`${year}-04-02`),
          recordedById: lead.id,
          recordedAt: new Date(`${year}-04-02T10:00:00Z`),
        },
      });
    }
  }
  const ais = 'Accessible Information Standard self-assessment publication for Yew Tree Independent Hospital';
  const gpg = 'Gender pay gap report for Yew Tree Independent Hospital';
  const seen: [string, string, string[]][] = [];
  for (let day = -17; day <= 19; day += 1) {
    const date = dayFrom(day, new Date('2027-03-31T00:00:00Z'));
    for (const email of await runDay(date)) {
      if (!addresses(email.parsed.to).includes(lead.email)) continue;
      seen.push([isoDate(date), email.parsed.subject ?? '', addresses(email.parsed.cc)]);
    }
    if (day === 1) {
      // The same day again, after the year turned: nothing new.
      expect(await enqueuePublicationChasers(deps, date)).toMatchObject({ chasersQueued: 0 });
    }
  }
  expect(seen).toEqual([
    ['2027-03-17', `Reminder: ${ais} is due on 31 March 2027`, []],
    ['2027-03-21', `Reminder: ${gpg} is due on 4 April 2027`, []],
    ['2027-03-28', `Reminder: ${ais} is due on 31 March 2027`, []],
    ['2027-03-31', `Due today: ${ais}`, []],
    ['2027-04-01', `Reminder: ${gpg} is due on 4 April 2027`, []],
    ['2027-04-04', `Due today: ${gpg}`, []],
    ['2027-04-07', `Overdue: ${ais} was due on 31 March 2027`, []],
    ['2027-04-11', `Overdue: ${gpg} was due on 4 April 2027`, []],
    ['2027-04-14', `Overdue: ${ais} was due on 31 March 2027`, [manager.email]],
    ['2027-04-18', `Overdue: ${gpg} was due on 4 April 2027`, [manager.email]],
  ]);
  const rows = await db.prisma.outboxEmail.findMany({
    where: { publicationProviderId: provider.id },
    orderBy: [{ createdAt: 'asc' }],
  });
  // The gender pay gap's reminders before 1 April and after are filed under the same year.
  expect(rows.map((row) => `${row.publicationObligationCode}:${row.publicationYear}:${row.stage}`)).toEqual([
    'ais-self-assessment:2026:-14@2027-03-31',
    'gender-pay-gap:2027:-14@2027-04-04',
    'ais-self-assessment:2026:-3@2027-03-31',
    'ais-self-assessment:2026:0@2027-03-31',
    'gender-pay-gap:2027:-3@2027-04-04',
    'gender-pay-gap:2027:0@2027-04-04',
    'ais-self-assessment:2026:+7@2027-03-31',
    'gender-pay-gap:2027:+7@2027-04-04',
    'ais-self-assessment:2026:+14@2027-03-31',
    'gender-pay-gap:2027:+14@2027-04-04',
  ]);
});
