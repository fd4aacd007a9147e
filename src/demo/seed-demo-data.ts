import { randomUUID } from 'node:crypto';
import { sha256 } from '../hash.js';
import type { Db, Prisma } from '../db/prisma.js';
import type { ActionStatus, ReturnStatus } from '../generated/prisma/enums.js';
import type { Logger } from '../logger.js';
import { defaultDueDate } from '../frameworks/due-dates.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { readVersionMappings } from '../frameworks/version-mappings.js';
import { STANDARD_MAPPINGS_DIR } from '../project-root.js';
import { findSnapshotSource } from '../returns/queries.js';
import { buildReturnSnapshot, snapshotDigest } from '../returns/snapshot.js';
import {
  ACTION_PLANS,
  DECLARATION,
  DEMO_CONTRACTS,
  DEMO_EVIDENCE,
  DEMO_PERIODS,
  DEMO_PROVIDERS,
  DEMO_USERS,
  NARRATIVES,
  RETURN_COMMENT,
  RETURN_REASONS,
  type DemoContract,
  type DemoEvidence,
  type DemoPeriod,
  type DemoProvider,
  type FrameworkCode,
  type RatingTier,
} from './demo-data.js';
import { demoFileContent } from './demo-files.js';
import {
  countDemoRows,
  countProvidersAndUsers,
  createContract,
  createEvidence,
  createEvidenceFile,
  createEvidenceLinks,
  createMemberships,
  createPeriod,
  createProviders,
  createRequirementReviews,
  createActionLinks,
  createActions,
  createActionUpdates,
  createResponses,
  createReturn,
  createReturnReview,
  createSubmission,
  createUsers,
  findStandards,
  lockDemoSeed,
  recordSeeded,
  type StandardsRows,
  type Tx,
} from './queries.js';
import { seedProviderProfiles } from './seed-provider-profiles.js';
import { seedDemoWorkforceReturns } from './seed-workforce-returns.js';
import { seedDemoPublications } from './seed-publications.js';

const DAY_MS = 86_400_000;
// The seed writes a few hundred rows in one transaction, possibly after waiting for another instance.
const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 180_000 };

/**
 * Loads the demo data set (demo-data.ts) into an empty database: one with no providers and no users.
 * Anything else is left untouched. Runs after the standards import, in one transaction under an
 * advisory lock, so several instances starting together seed once and a failure leaves nothing.
 * Every date is derived from the periods, the framework defaults and `now`, never from the clock.
 */
export async function seedDemoData(prisma: Db, logger: Logger, now: Date): Promise<{ seeded: boolean }> {
  const outcome = await prisma.$transaction(async (tx) => {
    await lockDemoSeed(tx);
    const existing = await countProvidersAndUsers(tx);
    if (existing.providers > 0 || existing.users > 0) return { seeded: false as const, existing };
    await writeDemoData(tx, now);
    const counts = await countDemoRows(tx);
    await recordSeeded(tx, counts, now);
    return { seeded: true as const, counts };
  }, TRANSACTION_OPTIONS);

  if (outcome.seeded) {
    logger.info({ counts: outcome.counts }, 'demo data seeded');
  } else {
    logger.info(outcome.existing, 'demo data not seeded: the database already has providers or users');
  }
  return { seeded: outcome.seeded };
}

// ---------------------------------------------------------------------------------------------
// The imported standards

type FrameworkRow = StandardsRows[number];
type VersionRow = FrameworkRow['versions'][number];
type RequirementRow = VersionRow['requirements'][number];

interface Standards {
  framework(code: FrameworkCode): FrameworkRow;
  version(code: FrameworkCode, versionCode: string): VersionRow;
}

function indexStandards(rows: StandardsRows): Standards {
  const framework = (code: FrameworkCode): FrameworkRow => {
    const row = rows.find((candidate) => candidate.code === code);
    if (!row)
      throw new Error(`Framework ${code} is not in the database: import the standards before the demo data.`);
    return row;
  };
  return {
    framework,
    version(code, versionCode) {
      const row = framework(code).versions.find((candidate) => candidate.code === versionCode);
      if (!row) {
        throw new Error(
          `Framework ${code} version ${versionCode} is not in the database: import the standards before the demo data.`,
        );
      }
      if (row.requirements.length === 0)
        throw new Error(`Framework ${code} version ${versionCode} has no requirements.`);
      return row;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Writing the data set

interface SeedContext {
  tx: Tx;
  now: Date;
  standards: Standards;
  /** The shipped version mappings: which actions each snapshot shows (issue 14). */
  mappings: readonly VersionMapping[];
  providerIds: Map<string, string>;
  userIds: Map<string, string>;
  periods: SeededPeriod[];
}

interface SeededPeriod {
  id: string;
  demo: DemoPeriod;
  start: Date;
  end: Date;
}

interface SeededReturn {
  id: string;
  key: string;
  status: ReturnStatus;
  timeline: Timeline;
  submitterId: string;
  reviewerId: string;
  requirements: readonly RequirementRow[];
  /** Response ids in requirement order (empty when the return has not been started). */
  responseIds: string[];
}

async function writeDemoData(tx: Tx, now: Date): Promise<void> {
  const standards = indexStandards(await findStandards(tx));
  const providerIds = await seedProviders(tx);
  await seedProviderProfiles(tx, providerIds);
  const userIds = await seedUsers(tx, providerIds);
  await seedDemoPublications(tx, providerIds, userIds, now);
  await seedDemoWorkforceReturns(tx, providerIds, userIds, now);
  const periods = await seedPeriods(tx, standards);
  const mappings = await readVersionMappings(STANDARD_MAPPINGS_DIR);
  const context: SeedContext = { tx, now, standards, mappings, providerIds, userIds, periods };

  const returns: SeededReturn[] = [];
  for (const contract of DEMO_CONTRACTS) {
    returns.push(...(await seedContract(context, contract)));
  }
  const byKey = new Map(returns.map((seeded) => [seeded.key, seeded]));
  for (const evidence of DEMO_EVIDENCE) {
    await seedEvidence(context, evidence, byKey);
  }
  await seedNotApplicableAnswers(tx, returns);
  await seedDomainOneServices(tx, returns);
  await seedGradingRecords(tx, returns);
  for (const seeded of returns) {
    await seedSubmission(context, seeded);
  }
}

async function seedProviders(tx: Tx): Promise<Map<string, string>> {
  const rows = await createProviders(
    tx,
    DEMO_PROVIDERS.map(({ odsCode, name, type, active }) => ({ odsCode, name, type, active })),
  );
  return new Map(rows.map((row) => [row.odsCode, row.id]));
}

async function seedUsers(tx: Tx, providerIds: Map<string, string>): Promise<Map<string, string>> {
  const rows = await createUsers(
    tx,
    // No Entra identity: with Entra configured, a demo user gets one by accepting an invitation.
    DEMO_USERS.map(({ email, displayName, role, signInMethod }) => ({
      email,
      displayName,
      role,
      signInMethod,
    })),
  );
  const userIds = new Map(rows.map((row) => [row.email, row.id]));
  await createMemberships(
    tx,
    DEMO_USERS.flatMap((user) =>
      user.providers.map((odsCode) => ({
        userId: lookup(userIds, user.email, 'user'),
        providerId: lookup(providerIds, odsCode, 'provider'),
        role: user.membershipRole,
      })),
    ),
  );
  return userIds;
}

async function seedPeriods(tx: Tx, standards: Standards): Promise<SeededPeriod[]> {
  const periods: SeededPeriod[] = [];
  for (const demo of DEMO_PERIODS) {
    const start = utcDate(demo.startDate);
    const end = utcDate(demo.endDate);
    const row = await createPeriod(tx, {
      label: demo.label,
      startDate: start,
      endDate: end,
      standards: {
        create: frameworkCodes(demo.versions).map((code) => {
          const version = standards.version(code, demo.versions[code]);
          return {
            frameworkId: standards.framework(code).id,
            frameworkVersionId: version.id,
            dueDate: defaultDueDate(end, version),
          };
        }),
      },
    });
    periods.push({ id: row.id, demo, start, end });
  }
  return periods;
}

async function seedContract(context: SeedContext, contract: DemoContract): Promise<SeededReturn[]> {
  const { tx, standards, providerIds, userIds } = context;
  const codes = frameworkCodes(contract.returns);
  const row = await createContract(tx, {
    providerId: lookup(providerIds, contract.odsCode, 'provider'),
    reference: contract.reference,
    startDate: utcDate(contract.startDate),
    endDate: contract.endDate === null ? null : utcDate(contract.endDate),
    contractManagerId: lookup(userIds, contract.manager, 'contract manager'),
    standards: { create: codes.map((code) => ({ frameworkId: standards.framework(code).id })) },
  });

  const seeded: SeededReturn[] = [];
  for (const code of codes) {
    const statuses = contract.returns[code] ?? [];
    for (const [index, period] of context.periods.entries()) {
      const status = statuses[index];
      if (status === undefined) {
        throw new Error(`${contract.reference} has no ${code} status for ${period.demo.label}`);
      }
      seeded.push(await seedReturn(context, { contract, contractId: row.id, code, period, status }));
    }
  }
  return seeded;
}

interface ReturnPlan {
  contract: DemoContract;
  contractId: string;
  code: FrameworkCode;
  period: SeededPeriod;
  status: ReturnStatus;
}

async function seedReturn(context: SeedContext, plan: ReturnPlan): Promise<SeededReturn> {
  const { tx, now, standards, providerIds, userIds } = context;
  const { contract, period, status, code } = plan;
  const provider = demoProvider(contract.odsCode);
  const version = standards.version(code, period.demo.versions[code]);
  const originalDueDate = defaultDueDate(period.end, version);
  // A different offset per return so the dates do not all fall on the same day.
  const spread = DEMO_CONTRACTS.indexOf(contract) + (code === 'EDS' ? 5 : 0);
  const timeline = timelineFor(status, period, originalDueDate, now, spread);
  const createdAt = earliest(period.start, now);
  const submitterId = lookup(userIds, leadEmail(contract.odsCode), 'provider lead');

  const row = await createReturn(tx, {
    contractId: plan.contractId,
    providerId: lookup(providerIds, contract.odsCode, 'provider'),
    frameworkVersionId: version.id,
    periodId: period.id,
    status,
    originalDueDate,
    dueDate: timeline.newDueDate ?? originalDueDate,
    startedAt: timeline.startedAt,
    submittedAt: timeline.submittedAt,
    decidedAt: timeline.decidedAt,
    createdAt,
    updatedAt: timeline.decidedAt ?? timeline.submittedAt ?? timeline.startedAt ?? createdAt,
  });

  // Every return has a response row per requirement from the start, as opening a period makes them.
  const responseIds = await seedResponses(context, {
    ...plan,
    returnId: row.id,
    requirements: version.requirements,
    provider,
    spread,
    updatedById: submitterId,
    startedAt: timeline.startedAt ?? createdAt,
    updatedAt: timeline.submittedAt ?? timeline.startedAt ?? createdAt,
  });

  return {
    id: row.id,
    key: returnKey(contract.odsCode, code, period.demo.label),
    status,
    timeline,
    submitterId,
    reviewerId: lookup(userIds, contract.manager, 'contract manager'),
    requirements: version.requirements,
    responseIds,
  };
}

interface ResponsesPlan extends ReturnPlan {
  returnId: string;
  requirements: readonly RequirementRow[];
  provider: DemoProvider;
  spread: number;
  updatedById: string;
  startedAt: Date;
  updatedAt: Date;
}

/** A response to every requirement (blank for the unanswered part of an in-progress return); ids in order. */
async function seedResponses(context: SeedContext, plan: ResponsesPlan): Promise<string[]> {
  const { requirements, status, spread } = plan;
  const answered =
    status === 'not_started'
      ? 0
      : status === 'in_progress'
        ? filledCount(requirements.length, spread)
        : requirements.length;
  const rows = await createResponses(
    context.tx,
    requirements.map((requirement, index) => responseRow(plan, requirement, index, index < answered)),
  );
  const idByRequirement = new Map(rows.map((row) => [row.requirementId, row.id]));
  await seedActions(
    context,
    plan,
    requirements.filter((requirement, index) => index < answered && needsAction(plan, requirement, index)),
  );
  return requirements.map((requirement) => lookup(idByRequirement, requirement.id, 'response'));
}

// Actions in several states (issue 14): each low-rated answer gets one, due six months after its
// period ends, so open actions from an earlier period are overdue and carry into the next return.
const ACTION_STATES: readonly ActionStatus[] = [
  'in_progress',
  'not_started',
  'in_progress',
  'done',
  'not_started',
  'cancelled',
];

const ACTION_UPDATES: Record<ActionStatus, string> = {
  not_started: '',
  in_progress: 'Work has started: the lead has agreed a plan with the team and booked the first sessions.',
  done: 'Finished: the change is in place and checked at the last quality meeting.',
  cancelled: 'Replaced by a wider action agreed with the commissioner, so this one is closed.',
};

async function seedActions(
  context: SeedContext,
  plan: ResponsesPlan,
  requirements: readonly RequirementRow[],
): Promise<void> {
  if (requirements.length === 0) return;
  const providerId = lookup(context.providerIds, plan.contract.odsCode, 'provider');
  const statuses = requirements.map(
    (_requirement, index) => ACTION_STATES[(index + plan.spread) % ACTION_STATES.length] ?? 'not_started',
  );
  // Ids made here, so links and updates pair with their action whatever order rows come back in.
  const actions = requirements.map(() => ({ id: randomUUID() }));
  await createActions(
    context.tx,
    requirements.map((_requirement, index) => ({
      id: actions[index]?.id,
      providerId,
      description: pick(ACTION_PLANS, index + plan.spread),
      owner: plan.provider.actionOwner,
      dueDate: endOfMonthAfter(plan.period.end, 6),
      status: statuses[index] ?? 'not_started',
      createdById: plan.updatedById,
      createdAt: plan.startedAt,
      updatedAt: plan.updatedAt,
    })),
  );
  await createActionLinks(
    context.tx,
    actions.map((action, index) => ({
      actionId: action.id,
      requirementId: requirements[index]?.id ?? '',
      returnId: plan.returnId,
      linkedById: plan.updatedById,
      linkedAt: plan.startedAt,
    })),
  );
  await createActionUpdates(
    context.tx,
    actions.flatMap((action, index) => {
      const status = statuses[index] ?? 'not_started';
      return status === 'not_started'
        ? []
        : [
            {
              actionId: action.id,
              text: ACTION_UPDATES[status],
              statusFrom: 'not_started' as const,
              statusTo: status,
              authorId: plan.updatedById,
              createdAt: plan.updatedAt,
            },
          ];
    }),
  );
}

function needsAction(plan: ResponsesPlan, requirement: RequirementRow, index: number): boolean {
  const levels = requirement.ratingScale.levels;
  return ratingIndex(levels.length, plan.provider.maturity, index + plan.spread) * 2 < levels.length - 1;
}

/** One response: a rating from the requirement's own scale and a narrative (actions: seedActions). */
function responseRow(
  plan: ResponsesPlan,
  requirement: RequirementRow,
  index: number,
  answered: boolean,
): Prisma.ResponseCreateManyInput {
  const { provider, spread } = plan;
  const base = { returnId: plan.returnId, requirementId: requirement.id, createdAt: plan.startedAt };
  if (!answered) return { ...base, updatedAt: plan.startedAt };

  const levels = requirement.ratingScale.levels;
  const levelIndex = ratingIndex(levels.length, provider.maturity, index + spread);
  const level = levels[levelIndex];
  if (!level) throw new Error(`Rating scale ${requirement.ratingScale.code} has no levels.`);
  const tier = ratingTier(levelIndex, levels.length);
  const narratives = NARRATIVES[plan.code][tier];
  return {
    ...base,
    ratingLevelId: level.id,
    narrative: pick(narratives, index + spread),
    updatedById: plan.updatedById,
    updatedAt: plan.updatedAt,
  };
}

// Small steps up and down the scale around a provider's maturity, so answers vary by requirement.
const RATING_JITTER = [0, 1, 0, -1, 0, 0, -1, 1] as const;

function ratingIndex(levelCount: number, maturity: number, salt: number): number {
  const base = Math.round(maturity * (levelCount - 1));
  const jitter = RATING_JITTER[salt % RATING_JITTER.length] ?? 0;
  return Math.min(levelCount - 1, Math.max(0, base + jitter));
}

function ratingTier(levelIndex: number, levelCount: number): RatingTier {
  if (levelCount < 2) return 'mid';
  const fraction = levelIndex / (levelCount - 1);
  if (fraction < 0.3) return 'low';
  return fraction > 0.7 ? 'high' : 'mid';
}

/** An in-progress return has between about 40% and 70% of its requirements answered. */
function filledCount(requirementCount: number, spread: number): number {
  const share = 0.4 + (spread % 3) * 0.15;
  return Math.max(1, Math.min(requirementCount - 1, Math.ceil(requirementCount * share)));
}

// ---------------------------------------------------------------------------------------------
// When things happened

interface Timeline {
  startedAt: Date | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  /** Set when a return was returned: the date its resubmission is due. */
  newDueDate: Date | null;
}

/**
 * Dates of a return's activity. In an earlier period they sit around the due date (late ones and
 * recent decisions are dated back from `now`); in the current period they are dated back from `now`.
 * All fall between the period start and `now`.
 */
function timelineFor(
  status: ReturnStatus,
  period: SeededPeriod,
  due: Date,
  now: Date,
  spread: number,
): Timeline {
  const anchor = period.demo.current ? now : due;
  const raw = rawTimeline(status, period.demo.current, anchor, now, spread);
  const clamp = (date: Date | null): Date | null =>
    date === null ? null : earliest(latest(date, period.start), now);
  const decidedAt = clamp(raw.decidedAt);
  return {
    startedAt: clamp(raw.startedAt),
    submittedAt: clamp(raw.submittedAt),
    decidedAt,
    newDueDate: status === 'returned' && decidedAt ? addDays(startOfUtcDay(decidedAt), 28) : null,
  };
}

function rawTimeline(
  status: ReturnStatus,
  current: boolean,
  anchor: Date,
  now: Date,
  spread: number,
): Omit<Timeline, 'newDueDate'> {
  const before = (from: Date, days: number, hours = 10): Date =>
    addHours(addDays(startOfUtcDay(from), -days), hours);
  switch (status) {
    case 'not_started':
      return { startedAt: null, submittedAt: null, decidedAt: null };
    case 'in_progress':
      return { startedAt: before(anchor, 12 + (spread % 15)), submittedAt: null, decidedAt: null };
    case 'submitted':
      // In an earlier period a return still awaiting review was submitted late, recently.
      return {
        startedAt: before(anchor, 40 + (spread % 10)),
        submittedAt: before(current ? anchor : now, 3 + (spread % 6), 15),
        decidedAt: null,
      };
    case 'accepted': {
      const submittedAt = before(anchor, current ? 30 : 3 + (spread % 9), 14);
      return {
        startedAt: before(anchor, 50 + (spread % 10), 9),
        submittedAt,
        decidedAt: addDays(submittedAt, 10 + (spread % 6)),
      };
    }
    case 'returned': {
      const submittedAt = before(anchor, current ? 24 : 2, 16);
      return {
        startedAt: before(anchor, 45, 9),
        submittedAt,
        decidedAt: latest(addDays(submittedAt, 1), before(now, 7, 11)),
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Evidence, submissions and reviews

async function seedEvidence(
  context: SeedContext,
  evidence: DemoEvidence,
  returns: Map<string, SeededReturn>,
): Promise<void> {
  const { tx, now, providerIds, userIds, periods } = context;
  const content = demoFileContent(evidence);
  const fileSha256 = sha256(content);
  const period = periods.find((candidate) => candidate.demo.label === evidence.period);
  if (!period) throw new Error(`Evidence ${evidence.fileName} covers an unknown period ${evidence.period}`);

  const targets = evidence.links.flatMap((link) => {
    const seeded = returns.get(returnKey(evidence.odsCode, link.framework, link.period));
    if (!seeded || seeded.responseIds.length === 0 || seeded.timeline.startedAt === null) {
      throw new Error(
        `Evidence ${evidence.fileName} links to a return with no responses (${link.framework} ${link.period})`,
      );
    }
    const startedAt = seeded.timeline.startedAt;
    return link.requirements.map((position) => ({ responseId: responseAt(seeded, position), startedAt }));
  });
  const uploadedAt = earliest(addDays(earliest(...targets.map((target) => target.startedAt)), 1), now);
  const uploadedById = lookup(userIds, leadEmail(evidence.odsCode), 'provider lead');

  await createEvidenceFile(tx, {
    sha256: fileSha256,
    content,
    sizeBytes: content.byteLength,
    mediaType: evidence.mediaType,
    // Not scanned here: the rescan job checks them once a scanner is configured.
    scanStatus: 'unscanned',
  });
  const row = await createEvidence(tx, {
    providerId: lookup(providerIds, evidence.odsCode, 'provider'),
    fileSha256,
    fileName: evidence.fileName,
    coversFrom: period.start,
    coversTo: period.end,
    uploadedById,
    uploadedAt,
  });
  await createEvidenceLinks(
    tx,
    targets.map((target) => ({
      evidenceId: row.id,
      responseId: target.responseId,
      linkedById: uploadedById,
      linkedAt: earliest(latest(uploadedAt, addDays(target.startedAt, 1)), now),
    })),
  );
}

const SUBMITTED_STATUSES: readonly ReturnStatus[] = ['submitted', 'accepted', 'returned'];
// Which requirements a returned return is sent back on (positions, in requirement order).
const RETURNED_REQUIREMENTS = [1, 3] as const;

/** The submission (a snapshot of the stored responses and its digest) and, once decided, its review. */
async function seedSubmission(context: SeedContext, seeded: SeededReturn): Promise<void> {
  const { submittedAt, decidedAt, newDueDate } = seeded.timeline;
  if (!SUBMITTED_STATUSES.includes(seeded.status)) return;
  if (submittedAt === null)
    throw new Error(`Return ${seeded.key} is ${seeded.status} but has no submission date`);
  const { tx } = context;

  const snapshot = buildReturnSnapshot(await findSnapshotSource(tx, seeded.id, context.mappings));
  const submission = await createSubmission(tx, {
    returnId: seeded.id,
    sequence: 1,
    submittedById: seeded.submitterId,
    submittedAt,
    declaration: DECLARATION,
    snapshot,
    snapshotSha256: snapshotDigest(snapshot),
  });
  if (seeded.status === 'submitted') return;
  if (decidedAt === null)
    throw new Error(`Return ${seeded.key} is ${seeded.status} but has no decision date`);

  const returned = seeded.status === 'returned';
  await createReturnReview(tx, {
    submissionId: submission.id,
    reviewerId: seeded.reviewerId,
    decision: returned ? 'returned' : 'accepted',
    comment: returned ? RETURN_COMMENT : 'Accepted. Thank you for a clear and well-evidenced return.',
    newDueDate,
    decidedAt,
  });
  const returnedPositions = returned ? sendBackPositions(seeded.requirements.length) : [];
  await createRequirementReviews(
    tx,
    seeded.requirements.map((requirement, position) => {
      const reasonIndex = returnedPositions.indexOf(position);
      return {
        submissionId: submission.id,
        requirementId: requirement.id,
        reviewerId: seeded.reviewerId,
        decision: reasonIndex >= 0 ? 'returned' : 'accepted',
        reason: reasonIndex >= 0 ? pick(RETURN_REASONS, reasonIndex) : '',
        decidedAt,
      };
    }),
  );
}

function responseAt(seeded: SeededReturn, position: number): string {
  const id = seeded.responseIds[position];
  if (id === undefined) throw new Error(`Return ${seeded.key} has no requirement at position ${position}`);
  return id;
}

/** The requirements a returned return is sent back on: always at least one. */
function sendBackPositions(requirementCount: number): number[] {
  const positions = RETURNED_REQUIREMENTS.filter((position) => position < requirementCount);
  return positions.length > 0 ? positions : [0];
}

// ---------------------------------------------------------------------------------------------
// Helpers

function frameworkCodes(record: Partial<Record<FrameworkCode, unknown>>): FrameworkCode[] {
  return (['AIS', 'EDS'] as const).filter((code) => record[code] !== undefined);
}

function demoProvider(odsCode: string): DemoProvider {
  const provider = DEMO_PROVIDERS.find((candidate) => candidate.odsCode === odsCode);
  if (!provider) throw new Error(`No demo provider ${odsCode}`);
  return provider;
}

function leadEmail(odsCode: string): string {
  const user = DEMO_USERS.find(
    (candidate) =>
      candidate.role === 'provider_lead' &&
      candidate.membershipRole === 'lead' &&
      candidate.providers.includes(odsCode),
  );
  if (!user) throw new Error(`No demo provider lead for ${odsCode}`);
  return user.email;
}

function returnKey(odsCode: string, code: FrameworkCode, periodLabel: string): string {
  return `${odsCode} ${code} ${periodLabel}`;
}

function lookup<K, V>(map: Map<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`Demo data refers to an unknown ${what}: ${String(key)}`);
  return value;
}

function pick<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error('Cannot pick from an empty list');
  return item;
}

function utcDate(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00.000Z`);
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

function addHours(date: Date, hours: number): Date {
  return new Date(date.getTime() + hours * 3_600_000);
}

/** The last day of the month `months` after the date's month (30 September, 6 after 31 March). */
function endOfMonthAfter(date: Date, months: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months + 1, 0));
}

function earliest(...dates: Date[]): Date {
  return new Date(Math.min(...dates.map((date) => date.getTime())));
}

function latest(...dates: Date[]): Date {
  return new Date(Math.max(...dates.map((date) => date.getTime())));
}

// ---- issue 14: "not applicable" answers ----------------------------------------------------------

const NOT_APPLICABLE_REASONS = [
  'The service sees adults only and never sends information to carers or parents.',
  'A walk-in service: people come without a referral and we refer nobody on.',
] as const;

/**
 * Marks a few answered AIS requirements that the data allows to be "not applicable" (1.2 carers and
 * parents, 4.1 referrals) as such, with a reason, before submissions freeze them into snapshots.
 */
async function seedNotApplicableAnswers(tx: Tx, returns: readonly SeededReturn[]): Promise<void> {
  const started = returns.filter((seeded) => seeded.responseIds.length > 0).map((seeded) => seeded.id);
  const candidates = await tx.response.findMany({
    where: {
      returnId: { in: started },
      requirement: { notApplicableAllowed: true },
      narrative: { not: '' },
    },
    select: { id: true, requirement: { select: { code: true } } },
    orderBy: [{ returnId: 'asc' }, { requirement: { code: 'asc' } }],
  });
  // Every fifth candidate, a handful in all: most providers still answer these requirements.
  const chosen = candidates.filter((_candidate, index) => index % 5 === 0).slice(0, 6);
  for (const candidate of chosen) {
    await tx.response.update({
      where: { id: candidate.id },
      data: {
        ratingLevelId: null,
        notApplicable: true,
        notApplicableReason: pick(NOT_APPLICABLE_REASONS, candidate.requirement.code === '4.1' ? 1 : 0),
      },
    });
  }
}

// ---- issue 14: EDS 2022 Domain 1 assessed per service -------------------------------------------

const DEMO_SERVICES = [
  {
    name: 'Maternity',
    whyChosen: 'Patients from some communities told us they wait longer for a first appointment.',
  },
  {
    name: 'Community mental health',
    whyChosen: 'Complaints about access rose last year, most from people who need an interpreter.',
  },
] as const;

/**
 * The first two EDS 2022 returns in progress or submitted (not yet decided) assess two services in Domain 1, not "All services": the
 * one service the database gave their Domain 1 answers is renamed, and the second service's answers
 * are a level lower where the scale allows (so the Domain 1 score is a mean of two different totals).
 */
async function seedDomainOneServices(tx: Tx, returns: readonly SeededReturn[]): Promise<void> {
  // Not yet decided: the demo's reviews decide each requirement once, not per service.
  const started = returns
    .filter((seeded) => seeded.responseIds.length > 0 && ['in_progress', 'submitted'].includes(seeded.status))
    .map((seeded) => seeded.id);
  const chosen = await tx.return.findMany({
    where: { id: { in: started }, frameworkVersion: { perServiceGroupCode: { not: null } } },
    select: { id: true, services: { select: { id: true }, orderBy: { position: 'asc' } } },
    orderBy: { id: 'asc' },
    take: 2,
  });
  for (const { id, services } of chosen) {
    const [first, second] = DEMO_SERVICES;
    const existing = services[0];
    if (!existing) throw new Error(`EDS 2022 return ${id} has no Domain 1 service`);
    await tx.returnService.update({ where: { id: existing.id }, data: first });
    const added = await tx.returnService.create({ data: { returnId: id, ...second, position: 2 } });
    const answers = await tx.response.findMany({
      where: { returnId: id, serviceId: existing.id },
      select: {
        requirementId: true,
        ratingLevel: { select: { score: true } },
        narrative: true,
        updatedById: true,
        createdAt: true,
        updatedAt: true,
        requirement: {
          select: { ratingScale: { select: { levels: { select: { id: true, score: true } } } } },
        },
      },
    });
    for (const answer of answers) {
      const score = answer.ratingLevel?.score;
      const lower =
        score === undefined
          ? undefined
          : answer.requirement.ratingScale.levels.find((level) => level.score === Math.max(0, score - 1));
      await tx.response.create({
        data: {
          returnId: id,
          requirementId: answer.requirementId,
          serviceId: added.id,
          ratingLevelId: lower?.id ?? null,
          narrative: answer.narrative && `${second.name}: ${answer.narrative}`,
          updatedById: answer.updatedById,
          createdAt: answer.createdAt,
          updatedAt: answer.updatedAt,
        },
      });
    }
  }
}

// ---- issue 14: who graded the EDS returns -------------------------------------------------------

/**
 * Every started EDS return (EDS2 and EDS 2022 are graded by panels) records who graded it, before
 * submissions freeze it into their snapshots: a panel over two days for most, one day for some.
 */
async function seedGradingRecords(tx: Tx, returns: readonly SeededReturn[]): Promise<void> {
  const started = new Map(
    returns
      .filter((seeded) => seeded.responseIds.length > 0 && seeded.timeline.startedAt)
      .map((s) => [s.id, s]),
  );
  const eds = await tx.return.findMany({
    where: { id: { in: [...started.keys()] }, frameworkVersion: { framework: { code: 'EDS' } } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  for (const [index, { id }] of eds.entries()) {
    const seeded = lookup(started, id, 'started EDS return');
    const startedAt = startOfUtcDay(seeded.timeline.startedAt ?? seeded.timeline.submittedAt ?? new Date(0));
    const twoDays = index % 3 !== 2;
    await tx.gradingRecord.create({
      data: {
        returnId: id,
        firstDate: startedAt,
        lastDate: twoDays ? addDays(startedAt, 7) : null,
        groups: twoDays
          ? ['patients-community', 'staff-networks', 'trade-unions', 'internal-leads']
          : ['staff-networks', 'peer-organisation', 'internal-leads'],
        howAgreed: twoDays
          ? 'Each outcome was presented with its evidence; the panel discussed it and agreed the score by consensus, with the chair deciding where views differed.'
          : 'A peer reviewer from a neighbouring trust scored each outcome with our staff network chairs; scores were agreed at a joint meeting.',
        dissent: twoDays
          ? 'The staff network would have scored one workforce outcome a level lower; the panel kept the higher score and recorded their view.'
          : '',
        updatedById: seeded.submitterId,
        updatedAt: startedAt,
      },
    });
  }
}
