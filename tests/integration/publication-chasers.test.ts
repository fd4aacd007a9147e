import {
  run as enqueuePublicationJob,
  type PublicationChaserJobDeps,
} from '../../jobs/enqueue-publication-chasers.js';
import { run as sendJob } from '../../jobs/send-email.js';
import { loadObligations } from '../../src/obligations/obligation-files.js';
import { enqueuePublicationChasers } from '../../src/obligations/publication-chasers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { chaserConfig, dayFrom, fakeClock, jobDeps, type FakeClock } from '../support/chaser-fixtures.js';
import { createProvider, createProviderLead, createUser, importTestStandards } from '../support/fixtures.js';
import { addresses, startSmtpSink, type ReceivedEmail, type SmtpSink } from '../support/smtp.js';

// Chasers for an overdue equality publication, end to end: the job writes the outbox on the
// reminder ladder, the sender delivers through the real mailer to a real SMTP server on loopback.

// The WRES report for 2026/27 falls due on 31 October 2026 (data/obligations/wres-report.json).
const WRES_DUE = new Date('2026-10-31T00:00:00Z');

let db: TestDatabase;
let sink: SmtpSink;
let time: FakeClock;
let deps: PublicationChaserJobDeps;
let providerId: string;
let leadEmails: string[];

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

test('an overdue publication is chased from 7 days overdue, every 7 days, once each, until it is recorded', async () => {
  const byDay = new Map<number, ReceivedEmail[]>();
  for (let day = -3; day <= 15; day += 1) {
    const emails = await runDay(dayFrom(day, WRES_DUE));
    if (emails.length > 0) byDay.set(day, emails);
  }
  // The ladder's overdue rungs only: nothing before the due date or on it.
  expect([...byDay.keys()]).toEqual([7, 14]);
  const seventh = byDay.get(7) ?? [];
  expect(seventh.flatMap((email) => addresses(email.parsed.to)).sort()).toEqual([...leadEmails].sort());
  const email = seventh[0]?.parsed;
  if (!email) throw new Error('no email');
  expect(email.subject).toBe(
    'Overdue: Workforce Race Equality Standard (WRES) report for Brook & <Heath> Care Home was due on 31 October 2026',
  );
  expect(email.text).toContain(
    'The Workforce Race Equality Standard (WRES) report for Brook & <Heath> Care Home (2026/27) was due on 31 October 2026. It is now 7 days overdue, and no publication has been recorded.',
  );
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
  expect(queued).toBe(4);
  const outbox = await db.prisma.outboxEmail.findMany({ orderBy: { createdAt: 'asc' } });
  expect(outbox.map((row) => [row.stage, row.status, row.returnId])).toEqual([
    ['+7@2026-10-31', 'sent', null],
    ['+7@2026-10-31', 'sent', null],
    ['+14@2026-10-31', 'sent', null],
    ['+14@2026-10-31', 'sent', null],
  ]);
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
