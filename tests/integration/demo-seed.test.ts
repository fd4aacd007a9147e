import { sha256 } from '../../src/hash.js';
import { createPrisma, type Db } from '../../src/db/prisma.js';
import { seedDemoData } from '../../src/demo/seed-demo-data.js';
import { loadObligations } from '../../src/obligations/obligation-files.js';
import { statusesForProviders } from '../../src/obligations/publications.service.js';
import { importStandards } from '../../src/frameworks/import-standards.js';
import { snapshotDigest, type JsonValue, type ReturnSnapshot } from '../../src/returns/snapshot.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-logger.js';

const NOW = new Date('2026-11-20T10:30:00.000Z');
const DAY_MS = 86_400_000;
const STATUSES = ['not_started', 'in_progress', 'submitted', 'accepted', 'returned'] as const;
const SUBMITTED = ['submitted', 'accepted', 'returned'];

/** Rows in every table the seed writes. */
async function tableCounts(prisma: Db): Promise<Record<string, number>> {
  return {
    providers: await prisma.provider.count(),
    users: await prisma.user.count(),
    memberships: await prisma.membership.count(),
    contracts: await prisma.contract.count(),
    contractStandards: await prisma.contractStandard.count(),
    periods: await prisma.reportingPeriod.count(),
    periodStandards: await prisma.periodStandard.count(),
    returns: await prisma.return.count(),
    responses: await prisma.response.count(),
    submissions: await prisma.returnSubmission.count(),
    returnReviews: await prisma.returnReview.count(),
    requirementReviews: await prisma.requirementReview.count(),
    evidenceFiles: await prisma.evidenceFile.count(),
    evidence: await prisma.evidence.count(),
    evidenceLinks: await prisma.evidenceLink.count(),
    publications: await prisma.publication.count(),
    workforceReturns: await prisma.workforceReturn.count(),
    workforceAnswers: await prisma.workforceAnswer.count(),
    workforceSubmissions: await prisma.workforceSubmission.count(),
    auditEvents: await prisma.auditEvent.count(),
  };
}

function findReturns(prisma: Db) {
  return prisma.return.findMany({
    include: {
      contract: true,
      period: true,
      frameworkVersion: { include: { framework: true, requirements: true } },
      responses: { include: { requirement: true, ratingLevel: true, evidenceLinks: true } },
      submissions: { include: { review: true, requirementReviews: true } },
    },
  });
}

type SeededReturn = Awaited<ReturnType<typeof findReturns>>[number];

function returnKey(row: SeededReturn): string {
  return `${row.contract.reference} ${row.frameworkVersion.framework.code} ${row.period.label}`;
}

async function seededDatabase(now: Date): Promise<{ db: TestDatabase; seeded: boolean }> {
  const db = await createTestDatabase();
  await importStandards(db.prisma, testLogger);
  const { seeded } = await seedDemoData(db.prisma, testLogger, now);
  return { db, seeded };
}

describe('seedDemoData on an empty database', () => {
  let db: TestDatabase;
  let seeded: boolean;
  let returns: SeededReturn[];

  beforeAll(async () => {
    ({ db, seeded } = await seededDatabase(NOW));
    returns = await findReturns(db.prisma);
  });
  afterAll(async () => {
    await db.drop();
  });

  test('reports that it seeded', () => {
    expect(seeded).toBe(true);
  });

  test('creates about a dozen providers of at least five kinds, one inactive, each active one under contract', async () => {
    const providers = await db.prisma.provider.findMany({ include: { contracts: true } });
    expect(providers.length).toBeGreaterThanOrEqual(10);
    expect(providers.length).toBeLessThanOrEqual(14);
    expect(new Set(providers.map((provider) => provider.type)).size).toBeGreaterThanOrEqual(5);
    expect(providers.filter((provider) => !provider.active)).toHaveLength(1);
    for (const provider of providers) {
      expect(provider.odsCode).toMatch(/^[A-Z0-9]{3,10}$/);
      expect(provider.contracts).toHaveLength(provider.active ? 1 : 0);
    }
  });

  test('gives every provider a sector, and the providers between them every fact that decides a duty', async () => {
    const providers = await db.prisma.provider.findMany();
    for (const provider of providers) expect(provider.sector).not.toBeNull();
    expect(new Set(providers.map((provider) => provider.sector)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(providers.map((provider) => provider.headcountBand)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(providers.map((provider) => provider.turnoverBand)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(providers.map((provider) => provider.financialYearEndMonth)).size).toBeGreaterThanOrEqual(
      3,
    );
    expect(providers.some((provider) => provider.providesMentalHealthServices === true)).toBe(true);
    expect(providers.some((provider) => provider.website === null)).toBe(true);
    expect(providers.some((provider) => provider.website?.startsWith('https://'))).toBe(true);
  });

  test('holds equality publications in every state, a modern slavery statement among them, none after now', async () => {
    const providers = await db.prisma.provider.findMany({ where: { active: true } });
    const facts = providers.map((provider) => ({ ...provider }));
    const today = new Date('2026-11-20T00:00:00Z');
    const states = new Set<string>();
    for (const year of [2025, 2026]) {
      const statuses = await statusesForProviders(db.prisma, loadObligations().all, facts, year, today);
      for (const list of statuses.values()) for (const status of list) states.add(status.state);
    }
    for (const state of ['checked', 'published', 'overdue', 'due', 'not-applicable', 'not-due']) {
      expect(states).toContain(state);
    }
    const records = await db.prisma.publication.findMany({ include: { provider: true } });
    expect(records.length).toBeGreaterThanOrEqual(6);
    expect(records.some((record) => record.obligationCode === 'modern-slavery-statement')).toBe(true);
    for (const record of records) {
      expect(record.publishedOn.getTime()).toBeLessThan(NOW.getTime());
      expect(record.recordedAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      if (record.checkedAt) expect(record.checkedAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(record.url).toMatch(/^https:\/\//);
    }
  });

  test("holds WRES and WDES returns in several states, an NHS trust lead able to open this year's WRES return", async () => {
    const rows = await db.prisma.workforceReturn.findMany({
      include: { provider: true, answers: true, submissions: true },
      orderBy: [{ year: 'asc' }],
    });
    expect(new Set(rows.map((row) => row.standardCode))).toEqual(new Set(['WRES', 'WDES']));
    for (const status of ['in_progress', 'submitted', 'accepted', 'returned'])
      expect(rows.map((row) => row.status)).toContain(status);
    // Three years of one trust's WRES returns, for its trends; the latest is still being filled in.
    const trust = rows.filter((row) => row.provider.odsCode === 'RZ1' && row.standardCode === 'WRES');
    expect(trust.map((row) => row.year)).toEqual([2024, 2025, 2026]);
    const open = trust.at(-1);
    expect(open?.status).toBe('in_progress');
    expect(open?.provider.sector).toMatch(/^nhs_/);
    const lead = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'hannah.reid@example.nhs.uk' },
      include: { memberships: true },
    });
    expect(lead.memberships).toContainEqual(
      expect.objectContaining({ providerId: open?.providerId, role: 'lead' }),
    );
    for (const row of rows) {
      expect(row.createdAt.getTime()).toBeLessThan(NOW.getTime());
      for (const submission of row.submissions) {
        expect(submission.snapshotSha256).toBe(snapshotDigest(submission.snapshot as JsonValue));
        expect(submission.submittedAt.getTime()).toBeLessThan(NOW.getTime());
        if (row.status === 'returned') expect(submission.reason).not.toBe('');
      }
      expect(row.submissions.length).toBe(row.status === 'in_progress' ? 0 : 1);
    }
  });

  test('creates a user for every role, unbound to Entra, and provider leads of different providers', async () => {
    const users = await db.prisma.user.findMany({ include: { memberships: true } });
    for (const role of ['admin', 'contract_manager', 'viewer', 'provider_lead'] as const) {
      expect(users.filter((user) => user.role === role).length).toBeGreaterThanOrEqual(1);
    }
    expect(users.filter((user) => user.role === 'contract_manager').length).toBeGreaterThanOrEqual(2);
    for (const user of users) {
      expect(user.email).toBe(user.email.toLowerCase());
      expect(user.entraObjectId).toBeNull();
      // Only provider leads belong to providers.
      expect(user.memberships.length > 0).toBe(user.role === 'provider_lead');
    }
    const leads = users.filter((user) => user.memberships.some((membership) => membership.role === 'lead'));
    const ledProviders = new Set(leads.flatMap((user) => user.memberships.map((m) => m.providerId)));
    expect(ledProviders.size).toBeGreaterThanOrEqual(2);
    expect(leads.some((user) => user.memberships.length >= 2)).toBe(true);
    // A contributor beside their provider's lead, and a provider whose people sign in by email.
    const contributors = users.filter((user) => user.memberships.some((m) => m.role === 'contributor'));
    expect(contributors.length).toBeGreaterThanOrEqual(1);
    for (const contributor of contributors) {
      const [providerId] = contributor.memberships.map((m) => m.providerId);
      expect(leads.some((lead) => lead.memberships.some((m) => m.providerId === providerId))).toBe(true);
    }
    const byEmail = users.filter((user) => user.signInMethod === 'email_link');
    expect(byEmail.length).toBeGreaterThanOrEqual(2);
    const emailProviders = new Set(byEmail.flatMap((user) => user.memberships.map((m) => m.providerId)));
    expect(emailProviders.size).toBe(1);

    // Every contract is managed by a contract manager.
    const contracts = await db.prisma.contract.findMany({
      include: { contractManager: true, standards: true },
    });
    for (const contract of contracts) {
      expect(contract.contractManager.role).toBe('contract_manager');
      expect(contract.reference).toMatch(/^ICB-\d{4}-\d{3}$/);
    }
    const standardCounts = contracts.map((contract) => contract.standards.length);
    expect(standardCounts.filter((count) => count === 2).length).toBeGreaterThan(standardCounts.length / 2);
    expect(standardCounts).toContain(1);
  });

  test("creates both periods with the versions in use and due dates from each version's rule", async () => {
    const periods = await db.prisma.reportingPeriod.findMany({
      orderBy: { startDate: 'asc' },
      include: { standards: { include: { framework: true, frameworkVersion: true } } },
    });
    expect(
      periods.map((period) => [period.label, isoDate(period.startDate), isoDate(period.endDate)]),
    ).toEqual([
      ['2025/26', '2025-04-01', '2026-03-31'],
      ['2026/27', '2026-04-01', '2027-03-31'],
    ]);
    const versions = periods.map((period) =>
      Object.fromEntries(period.standards.map((s) => [s.framework.code, s.frameworkVersion.code])),
    );
    expect(versions).toEqual([
      { AIS: '2016', EDS: '2022' },
      { AIS: '2025', EDS: '2022' },
    ]);
    for (const period of periods) {
      for (const standard of period.standards) {
        const { dueMonth, dueDay } = standard.frameworkVersion;
        const expected = new Date(Date.UTC(period.endDate.getUTCFullYear(), dueMonth - 1, dueDay));
        expect(isoDate(standard.dueDate)).toBe(isoDate(expected));
      }
    }
    // AIS by 31 March and EDS by 28 February, whatever `now` was.
    expect(periods[0]?.standards.map((s) => isoDate(s.dueDate)).sort()).toEqual(['2026-02-28', '2026-03-31']);
  });

  test('gives each contract a return per standard and period, due when its period standard is due', async () => {
    const contractStandards = await db.prisma.contractStandard.count();
    expect(returns).toHaveLength(contractStandards * 2);
    const periodStandards = await db.prisma.periodStandard.findMany();
    for (const row of returns) {
      const standard = periodStandards.find(
        (s) => s.periodId === row.periodId && s.frameworkId === row.frameworkVersion.frameworkId,
      );
      expect(standard?.frameworkVersionId).toBe(row.frameworkVersionId);
      expect(isoDate(row.originalDueDate)).toBe(isoDate(standard?.dueDate ?? new Date(0)));
      if (row.status === 'returned') {
        // The resubmission is due on the date the reviewer set, after `now`.
        expect(isoDate(row.dueDate)).toBe(isoDate(row.submissions[0]?.review?.newDueDate ?? new Date(0)));
        expect(row.dueDate.getTime()).toBeGreaterThan(NOW.getTime());
      } else {
        expect(isoDate(row.dueDate)).toBe(isoDate(row.originalDueDate));
      }
    }
  });

  test('spreads returns over every status in both periods, 2025/26 mostly accepted with some overdue', () => {
    for (const label of ['2025/26', '2026/27']) {
      const statuses = returns.filter((row) => row.period.label === label).map((row) => row.status);
      expect(new Set(statuses)).toEqual(new Set(STATUSES));
    }
    const past = returns.filter((row) => row.period.label === '2025/26');
    expect(past.filter((row) => row.status === 'accepted').length).toBeGreaterThan(past.length / 2);
    const overdue = past.filter((row) => ['not_started', 'in_progress'].includes(row.status));
    expect(overdue.length).toBeGreaterThanOrEqual(1);
    for (const row of overdue) expect(row.dueDate.getTime()).toBeLessThan(NOW.getTime());

    const current = returns.filter((row) => row.period.label === '2026/27');
    const underWay = current.filter((row) => ['not_started', 'in_progress'].includes(row.status));
    expect(underWay.length).toBeGreaterThan(current.length / 2);
    expect(current.filter((row) => row.status === 'accepted')).toHaveLength(1);
    expect(current.filter((row) => row.status === 'returned')).toHaveLength(1);
  });

  test('dates every step in order, none after now', () => {
    for (const row of returns) {
      const steps = [row.startedAt, row.submittedAt, row.decidedAt];
      expect(row.startedAt === null).toBe(row.status === 'not_started');
      expect(row.submittedAt !== null).toBe(SUBMITTED.includes(row.status));
      expect(row.decidedAt !== null).toBe(['accepted', 'returned'].includes(row.status));
      const times = steps.filter((step): step is Date => step !== null).map((step) => step.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const time of times) expect(time).toBeLessThanOrEqual(NOW.getTime());
    }
  });

  test('gives every return a response per requirement, answered from its own scale once started', () => {
    for (const row of returns) {
      const requirementIds = row.frameworkVersion.requirements.map((r) => r.id).sort();
      // Once per requirement (per service for EDS 2022 Domain 1: see the services test below).
      const answeredRequirements = new Set(row.responses.map((response) => response.requirementId));
      expect([...answeredRequirements].sort()).toEqual(requirementIds);
      const answered = row.responses.filter(
        (response) => response.ratingLevel !== null || response.notApplicable,
      );
      if (row.status === 'not_started') {
        expect(answered).toHaveLength(0);
      } else if (row.status === 'in_progress') {
        expect(answered.length).toBeGreaterThan(0);
        expect(answered.length).toBeLessThan(row.responses.length);
      } else {
        expect(answered).toHaveLength(row.responses.length);
      }
      for (const response of answered) {
        if (response.notApplicable) continue;
        expect(response.ratingLevel?.scaleId).toBe(response.requirement.ratingScaleId);
        expect(response.narrative.trim()).not.toBe('');
      }
    }
  });

  test('has actions in several states linked to requirements, with progress, one of them overdue', async () => {
    const actions = await db.prisma.action.findMany({ include: { links: true, updates: true } });
    expect(new Set(actions.map((action) => action.status))).toEqual(
      new Set(['not_started', 'in_progress', 'done', 'cancelled']),
    );
    for (const action of actions) {
      expect(action.links.length).toBeGreaterThan(0);
      expect(action.owner).not.toBe('');
      expect(action.dueDate).not.toBeNull();
      // Every status other than "not started" was reached by a dated progress update.
      expect(action.updates.map((update) => update.statusTo)).toEqual(
        action.status === 'not_started' ? [] : [action.status],
      );
    }
    const today = new Date(NOW.toISOString().slice(0, 10));
    const overdue = actions.filter(
      (action) =>
        ['not_started', 'in_progress'].includes(action.status) &&
        action.dueDate !== null &&
        action.dueDate < today,
    );
    expect(overdue.length).toBeGreaterThan(0);
  });

  test('answers a few AIS requirements "not applicable" where the data allows it, each with a reason', async () => {
    const notApplicable = await db.prisma.response.findMany({
      where: { notApplicable: true },
      include: { requirement: true },
    });
    expect(notApplicable.length).toBeGreaterThanOrEqual(2);
    for (const response of notApplicable) {
      expect(response.requirement.notApplicableAllowed).toBe(true);
      expect(response.ratingLevelId).toBeNull();
      expect(response.notApplicableReason.length).toBeGreaterThan(20);
    }
    const frozen = await db.prisma.returnSubmission.count({
      where: { snapshot: { path: ['responses'], array_contains: [{ notApplicable: true }] } },
    });
    expect(frozen).toBeGreaterThan(0);
  });

  test('has EDS 2022 returns assessing two Domain 1 services, each graded by a recorded panel', async () => {
    const returns = await db.prisma.return.findMany({
      where: { services: { some: { position: 2 } } },
      include: {
        services: { orderBy: { position: 'asc' } },
        gradingRecord: true,
        frameworkVersion: true,
        responses: { where: { serviceId: { not: null } }, select: { serviceId: true, ratingLevelId: true } },
      },
    });
    expect(returns.length).toBeGreaterThanOrEqual(1);
    for (const ret of returns) {
      expect(ret.frameworkVersion.code).toBe('2022');
      expect(ret.services.map((service) => service.name)).toEqual(['Maternity', 'Community mental health']);
      expect(ret.gradingRecord?.groups.length).toBeGreaterThan(0);
      // Outcomes 1A-1D answered once for each service.
      for (const service of ret.services)
        expect(ret.responses.filter((response) => response.serviceId === service.id)).toHaveLength(4);
    }
  });

  test('freezes every submitted, accepted and returned return in a submission whose digest matches', () => {
    let evidenced = 0;
    for (const row of returns) {
      if (!SUBMITTED.includes(row.status)) {
        expect(row.submissions).toHaveLength(0);
        continue;
      }
      expect(row.submissions).toHaveLength(1);
      const submission = row.submissions[0];
      if (!submission) throw new Error('unreachable');
      expect(submission.sequence).toBe(1);
      expect(submission.declaration.trim()).not.toBe('');
      expect(submission.submittedAt.getTime()).toBe(row.submittedAt?.getTime());
      expect(submission.snapshotSha256).toBe(snapshotDigest(submission.snapshot as JsonValue));

      // The snapshot is every stored answer.
      const snapshot = submission.snapshot as unknown as ReturnSnapshot;
      expect(snapshot.returnId).toBe(row.id);
      const stored = row.responses
        .map((r) => [
          r.requirement.code,
          r.ratingLevel?.code ?? null,
          r.notApplicable,
          r.narrative,
          r.evidenceLinks.length,
        ])
        .sort();
      const frozen = snapshot.responses
        .map((r) => [
          r.requirementCode,
          r.ratingLevelCode,
          r.notApplicable === true,
          r.narrative,
          r.evidence.length,
        ])
        .sort();
      expect(frozen).toEqual(stored);
      evidenced += snapshot.responses.filter((r) => r.evidence.length > 0).length;
    }
    expect(evidenced).toBeGreaterThan(0);
  });

  test('reviews accepted and returned returns, giving a reason for each requirement sent back', () => {
    for (const row of returns) {
      const submission = row.submissions[0];
      if (row.status !== 'accepted' && row.status !== 'returned') {
        expect(submission?.review ?? null).toBeNull();
        continue;
      }
      const review = submission?.review;
      expect(review?.decision).toBe(row.status);
      expect(review?.reviewerId).toBe(row.contract.contractManagerId);
      expect(review?.decidedAt.getTime()).toBe(row.decidedAt?.getTime());
      const requirementReviews = submission?.requirementReviews ?? [];
      expect(requirementReviews).toHaveLength(row.frameworkVersion.requirements.length);
      const sentBack = requirementReviews.filter((r) => r.decision === 'returned');
      if (row.status === 'accepted') {
        expect(sentBack).toHaveLength(0);
        expect(review?.newDueDate).toBeNull();
      } else {
        expect(sentBack.length).toBeGreaterThanOrEqual(1);
        for (const r of sentBack) expect(r.reason.trim()).not.toBe('');
        expect(review?.comment.trim()).not.toBe('');
        expect(review?.newDueDate).not.toBeNull();
      }
    }
  });

  test('stores evidence files whose hash and size match their content', async () => {
    const files = await db.prisma.evidenceFile.findMany({
      include: { evidence: { include: { links: true } } },
    });
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file.sha256).toBe(sha256(Buffer.from(file.content)));
      expect(file.sizeBytes).toBe(file.content.byteLength);
      if (file.mediaType === 'application/pdf')
        expect(Buffer.from(file.content).subarray(0, 5).toString()).toBe('%PDF-');
      for (const evidence of file.evidence) expect(evidence.links.length).toBeGreaterThan(0);
    }
  });

  test('records one demo.seeded audit event with the counts', async () => {
    const events = await db.prisma.auditEvent.findMany();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'demo.seeded',
      entityType: 'system',
      entityId: 'demo',
      actorId: null,
      occurredAt: NOW,
    });
    expect(events[0]?.after).toMatchObject({ providers: 12, returns: returns.length });
  });

  test('a second call seeds nothing and changes nothing', async () => {
    const before = await tableCounts(db.prisma);
    const again = await seedDemoData(db.prisma, testLogger, new Date(NOW.getTime() + DAY_MS));
    expect(again).toEqual({ seeded: false });
    expect(await tableCounts(db.prisma)).toEqual(before);
  });
});

describe('seedDemoData leaves a database that has data alone', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
    await importStandards(db.prisma, testLogger);
  });
  afterEach(async () => {
    await db.drop();
  });

  test('one provider is enough to skip', async () => {
    await db.prisma.provider.create({
      data: { name: 'Existing Provider', odsCode: 'ABC12', type: 'hospice' },
    });
    const before = await tableCounts(db.prisma);

    expect(await seedDemoData(db.prisma, testLogger, NOW)).toEqual({ seeded: false });
    expect(await tableCounts(db.prisma)).toEqual(before);
    expect(before).toMatchObject({ providers: 1, users: 0, returns: 0, auditEvents: 0 });
  });

  test('one user is enough to skip', async () => {
    await db.prisma.user.create({
      data: { email: 'existing.admin@example.nhs.uk', displayName: 'Existing Admin', role: 'admin' },
    });
    const before = await tableCounts(db.prisma);

    expect(await seedDemoData(db.prisma, testLogger, NOW)).toEqual({ seeded: false });
    expect(await tableCounts(db.prisma)).toEqual(before);
    expect(before).toMatchObject({ providers: 0, users: 1, periods: 0 });
  });
});

describe('seedDemoData from two instances at once, at another `now`', () => {
  const LATER = new Date(NOW.getTime() + 30 * DAY_MS);
  let first: TestDatabase;
  let second: TestDatabase;
  let outcomes: { seeded: boolean }[];

  beforeAll(async () => {
    ({ db: first } = await seededDatabase(NOW));
    second = await createTestDatabase();
    await importStandards(second.prisma, testLogger);
    const otherInstance = createPrisma(second.url, 2);
    try {
      outcomes = await Promise.all([
        seedDemoData(second.prisma, testLogger, LATER),
        seedDemoData(otherInstance, testLogger, LATER),
      ]);
    } finally {
      await otherInstance.$disconnect();
    }
  });
  afterAll(async () => {
    await first.drop();
    await second.drop();
  });

  test('seeds once', async () => {
    expect(outcomes.map((outcome) => outcome.seeded).sort()).toEqual([false, true]);
    expect(await tableCounts(second.prisma)).toEqual(await tableCounts(first.prisma));
  });

  test('dates activity from `now` and the periods, never from the clock', async () => {
    const byKey = async (prisma: Db) =>
      new Map((await findReturns(prisma)).map((row) => [returnKey(row), row]));
    const earlier = await byKey(first.prisma);
    const later = await byKey(second.prisma);
    let shifted = 0;
    for (const [key, row] of earlier) {
      const other = later.get(key);
      if (!other) throw new Error(`No ${key} in the second database`);
      expect(isoDate(other.originalDueDate)).toBe(isoDate(row.originalDueDate));
      if (row.period.label === '2026/27' && row.startedAt !== null) {
        // The current period's activity moves with `now`.
        expect(other.startedAt).toEqual(plusDays(row.startedAt, 30));
        expect(other.submittedAt).toEqual(plusDays(row.submittedAt, 30));
        expect(other.decidedAt).toEqual(plusDays(row.decidedAt, 30));
        shifted += 1;
      }
      if (row.period.label === '2025/26' && row.status === 'accepted') {
        // An earlier period's decided returns are dated around their due dates.
        expect(other.submittedAt).toEqual(row.submittedAt);
        expect(other.decidedAt).toEqual(row.decidedAt);
      }
      if (row.status === 'returned') {
        expect(other.dueDate).toEqual(plusDays(row.dueDate, 30));
      }
    }
    expect(shifted).toBeGreaterThan(5);
  });
});

function plusDays(date: Date | null, days: number): Date | null {
  return date && new Date(date.getTime() + days * DAY_MS);
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
