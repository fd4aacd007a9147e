import type { DbClient, Prisma } from '../db/prisma.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { actionsForRequirement } from '../actions/action-items.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { findFrameworkActions } from '../actions/queries.js';
import type { SnapshotSource } from './snapshot.js';

// The only file of the returns feature that talks to Prisma.

export type Tx = Prisma.TransactionClient;

const answerSelect = {
  id: true,
  requirementId: true,
  ratingLevelId: true,
  narrative: true,
  notApplicable: true,
  notApplicableReason: true,
  carriedForward: true,
  version: true,
  updatedAt: true,
  serviceId: true,
  ratingLevel: { select: { code: true, label: true } },
  updatedBy: { select: { displayName: true } },
} as const;

/** A return with its provider, period and standard: what every page of a return shows at the top. */
export function findReturn(db: DbClient, returnId: string) {
  return db.return.findUnique({
    where: { id: returnId },
    select: {
      id: true,
      contractId: true,
      providerId: true,
      frameworkVersionId: true,
      status: true,
      dueDate: true,
      originalDueDate: true,
      extensionReason: true,
      provider: { select: { name: true } },
      period: { select: { label: true, startDate: true } },
      frameworkVersion: {
        select: {
          code: true,
          groupLabel: true,
          frameworkId: true,
          framework: { select: { code: true, name: true } },
          // Issue 14: the group answered once per service (EDS 2022 Domain 1) and how many services.
          perServiceGroupCode: true,
          perServiceMinimum: true,
        },
      },
      carriedFrom: { select: { period: { select: { label: true } } } },
      imported: {
        select: { importedAt: true, fileName: true, importedBy: { select: { displayName: true } } },
      },
      // Joined here so the return's page shows when its EDS report went to NHS England unasked.
      edsReportSending: { select: { sentOn: true } },
    },
  });
}

export type ReturnRow = NonNullable<Awaited<ReturnType<typeof findReturn>>>;

/** Every response of a return (a return not yet started may have none). */
export function findAnswers(db: DbClient, returnId: string) {
  return db.response.findMany({ where: { returnId }, select: answerSelect });
}

export type AnswerRow = Awaited<ReturnType<typeof findAnswers>>[number];

/** The latest submission with its review: the reasons a returned return was sent back for. */
export function findLatestSubmission(db: DbClient, returnId: string) {
  return db.returnSubmission.findFirst({
    where: { returnId },
    select: {
      sequence: true,
      submittedAt: true,
      snapshotSha256: true,
      review: {
        select: {
          decision: true,
          comment: true,
          decidedAt: true,
          reviewer: { select: { displayName: true } },
        },
      },
      requirementReviews: {
        where: { decision: 'returned' },
        select: { requirementId: true, reason: true },
      },
    },
    orderBy: { sequence: 'desc' },
  });
}

/**
 * The latest submission's snapshot, its review and the requirements it returned (with the reason),
 * to tell which returned requirements the provider has changed since.
 */
export function findReturnedSubmission(db: DbClient, returnId: string) {
  return db.returnSubmission.findFirst({
    where: { returnId },
    select: {
      snapshot: true,
      review: { select: { decision: true, comment: true, decidedAt: true } },
      requirementReviews: {
        where: { decision: 'returned' },
        select: {
          id: true,
          requirementId: true,
          serviceId: true,
          reason: true,
          requirement: { select: { code: true } },
          service: { select: { name: true } },
        },
        orderBy: [{ requirement: { position: 'asc' } }, { service: { position: 'asc' } }],
      },
    },
    orderBy: { sequence: 'desc' },
  });
}

/**
 * A requirement's answer in a return: for a requirement answered per service, the named service's
 * (or, with no service named, the first service's: what writers that know no services see).
 */
export function findAnswer(db: DbClient, returnId: string, requirementId: string, serviceId?: string) {
  return db.response.findFirst({
    where: { returnId, requirementId, ...(serviceId ? { serviceId } : {}) },
    select: answerSelect,
    orderBy: { service: { position: 'asc' } },
  });
}

/**
 * Locks the return's row until the transaction ends: saves, carry-forward and submission of one
 * return take turns, so nothing is saved into a return after its snapshot is taken.
 */
export async function lockReturn(tx: Tx, returnId: string): Promise<ReturnStatus | undefined> {
  const rows = await tx.$queryRaw<{ status: ReturnStatus }[]>`
    SELECT status::text AS status FROM returns WHERE id = ${returnId}::uuid FOR UPDATE`;
  return rows[0]?.status;
}

export interface AnswerData {
  ratingLevelId: string | null;
  narrative: string;
  notApplicable: boolean;
  notApplicableReason: string;
}

/** Updates a response only if nobody changed it since `version` was read; the count says which. */
export async function updateAnswerAtVersion(
  tx: Tx,
  responseId: string,
  version: number,
  data: AnswerData & { updatedById: string },
): Promise<number> {
  const { count } = await tx.response.updateMany({
    where: { id: responseId, version },
    data: { ...data, carriedForward: false, version: { increment: 1 } },
  });
  return count;
}

export function createAnswer(
  tx: Tx,
  data: AnswerData & {
    returnId: string;
    requirementId: string;
    serviceId: string | null;
    updatedById: string;
  },
) {
  return tx.response.create({ data, select: { id: true } });
}

/** not_started -> in_progress, the first time anything is saved. */
export async function markReturnStarted(tx: Tx, returnId: string, startedAt: Date): Promise<number> {
  const { count } = await tx.return.updateMany({
    where: { id: returnId, status: 'not_started' },
    data: { status: 'in_progress', startedAt, version: { increment: 1 } },
  });
  return count;
}

/** The latest accepted return of the same contract and framework from an earlier period. */
export function findCarryForwardSource(
  db: DbClient,
  target: { contractId: string; frameworkId: string; periodStart: Date },
) {
  return db.return.findFirst({
    where: {
      contractId: target.contractId,
      status: 'accepted',
      frameworkVersion: { frameworkId: target.frameworkId },
      period: { startDate: { lt: target.periodStart } },
    },
    select: { id: true, period: { select: { label: true } } },
    orderBy: { period: { startDate: 'desc' } },
  });
}

/** The earlier return's answers by requirement code, with their rating level codes and evidence. */
export function findAnswersToCarry(tx: Tx, returnId: string) {
  return tx.response.findMany({
    where: { returnId },
    select: {
      narrative: true,
      notApplicable: true,
      notApplicableReason: true,
      serviceId: true,
      requirement: { select: { code: true } },
      ratingLevel: { select: { code: true } },
      evidenceLinks: { select: { evidenceId: true } },
    },
  });
}

/** A version's requirements by code, with the levels of each one's rating scale. */
export function findRequirementsWithLevels(tx: Tx, frameworkVersionId: string) {
  return tx.requirement.findMany({
    where: { frameworkVersionId },
    select: {
      id: true,
      code: true,
      notApplicableAllowed: true,
      ratingScale: { select: { levels: { select: { id: true, code: true } } } },
      group: { select: { code: true } },
      frameworkVersion: { select: { perServiceGroupCode: true } },
    },
  });
}

/** Writes a carried-forward answer into the new return's response (created if the return has none). */
export async function upsertCarriedAnswer(
  tx: Tx,
  key: { returnId: string; requirementId: string; serviceId: string | null },
  data: AnswerData & { updatedById: string },
) {
  // Not an upsert: the unique key holds a nullable service, which Prisma's unique inputs cannot name.
  const existing = await tx.response.findFirst({ where: key, select: { id: true } });
  if (existing)
    return tx.response.update({
      where: { id: existing.id },
      data: { ...data, carriedForward: true, version: { increment: 1 } },
      select: { id: true },
    });
  return tx.response.create({ data: { ...key, ...data, carriedForward: true }, select: { id: true } });
}

/** A return's services in the lead's order (issue 14: EDS 2022 Domain 1). */
export function findServices(db: DbClient, returnId: string) {
  return db.returnService.findMany({
    where: { returnId },
    select: { id: true, name: true, whyChosen: true, position: true },
    orderBy: [{ position: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
  });
}

export type ServiceRow = Awaited<ReturnType<typeof findServices>>[number];

export function countServices(db: DbClient, returnId: string): Promise<number> {
  return db.returnService.count({ where: { returnId } });
}

/** One service of a return (null for another return's, or none). */
export function findService(db: DbClient, returnId: string, serviceId: string) {
  return db.returnService.findFirst({
    where: { id: serviceId, returnId },
    select: { id: true, name: true, whyChosen: true, position: true },
  });
}

export interface ServiceData {
  name: string;
  whyChosen: string;
}

/** Adds a service after the return's last one. */
export async function createService(tx: Tx, returnId: string, data: ServiceData) {
  const { _max } = await tx.returnService.aggregate({ where: { returnId }, _max: { position: true } });
  return tx.returnService.create({
    data: { returnId, ...data, position: (_max.position ?? 0) + 1 },
    select: { id: true },
  });
}

export async function updateService(tx: Tx, serviceId: string, data: ServiceData): Promise<void> {
  await tx.returnService.update({ where: { id: serviceId }, data, select: { id: true } });
}

/**
 * How many answers of a service hold anything (a rating, "not applicable", a narrative or evidence):
 * what removing it would lose. A new return's empty rows are not answers to the people who remove it.
 */
/** Decisions reviewers made on a service's outcomes in earlier submissions (kept on the record). */
export function countServiceDecisions(db: DbClient, serviceId: string): Promise<number> {
  return db.requirementReview.count({ where: { serviceId } });
}

export function countServiceAnswers(db: DbClient, serviceId: string): Promise<number> {
  return db.response.count({
    where: {
      serviceId,
      OR: [
        { ratingLevelId: { not: null } },
        { notApplicable: true },
        { narrative: { not: '' } },
        { evidenceLinks: { some: {} } },
      ],
    },
  });
}

/** Removes one service; its answers go with it (the foreign key cascades). Gives how many went. */
export async function deleteService(tx: Tx, serviceId: string): Promise<number> {
  const answers = await countServiceAnswers(tx, serviceId);
  await tx.returnService.delete({ where: { id: serviceId }, select: { id: true } });
  return answers;
}

/** Removes a return's services and, with them, their answers. */
export async function deleteServices(tx: Tx, returnId: string): Promise<void> {
  await tx.returnService.deleteMany({ where: { returnId } });
}

export function createServices(
  tx: Tx,
  returnId: string,
  services: readonly { name: string; whyChosen: string; position: number }[],
) {
  return tx.returnService.createManyAndReturn({
    data: services.map((service) => ({ returnId, ...service })),
    select: { id: true, name: true },
  });
}

export async function linkEvidence(tx: Tx, links: Prisma.EvidenceLinkCreateManyInput[]): Promise<number> {
  if (links.length === 0) return 0;
  const { count } = await tx.evidenceLink.createMany({ data: links, skipDuplicates: true });
  return count;
}

export async function markReturnCarriedForward(
  tx: Tx,
  returnId: string,
  data: { carriedFromReturnId: string; startedAt: Date },
): Promise<void> {
  await tx.return.update({
    where: { id: returnId },
    data: { ...data, status: 'in_progress', version: { increment: 1 } },
    select: { id: true },
  });
}

/** Everything a submission snapshot records, read inside the submitting transaction. */
export async function findSnapshotSource(
  tx: DbClient,
  returnId: string,
  mappings: readonly VersionMapping[],
): Promise<SnapshotSource> {
  const row = await tx.return.findUniqueOrThrow({
    where: { id: returnId },
    select: {
      id: true,
      dueDate: true,
      providerId: true,
      provider: { select: { odsCode: true, name: true } },
      period: { select: { label: true } },
      frameworkVersion: {
        select: { code: true, name: true, frameworkId: true, framework: { select: { code: true } } },
      },
      gradingRecord: {
        select: { firstDate: true, lastDate: true, groups: true, howAgreed: true, dissent: true },
      },
      services: {
        select: { id: true, name: true, whyChosen: true, position: true },
        orderBy: [{ position: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
      },
      responses: {
        select: {
          narrative: true,
          serviceId: true,
          notApplicable: true,
          notApplicableReason: true,
          requirement: {
            select: {
              id: true,
              code: true,
              title: true,
              position: true,
              group: { select: { code: true, position: true } },
            },
          },
          ratingLevel: { select: { code: true, label: true, score: true } },
          evidenceLinks: { select: { evidence: { select: { fileSha256: true, fileName: true } } } },
        },
      },
    },
  });
  const actions = await findFrameworkActions(tx, row.providerId, row.frameworkVersion.frameworkId);
  const carry = { version: row.frameworkVersion, mappings };
  return {
    returnId: row.id,
    provider: row.provider,
    framework: {
      code: row.frameworkVersion.framework.code,
      versionCode: row.frameworkVersion.code,
      versionName: row.frameworkVersion.name,
    },
    period: row.period,
    dueDate: row.dueDate,
    grading: row.gradingRecord,
    services: row.services,
    // With each answer, the actions its page shows (issue 14).
    responses: row.responses.map(({ evidenceLinks, ...response }) => ({
      ...response,
      actions: actionsForRequirement(actions, carry, response.requirement),
      evidence: evidenceLinks.map((link) => ({
        sha256: link.evidence.fileSha256,
        fileName: link.evidence.fileName,
      })),
    })),
  };
}

export async function lastSubmissionSequence(tx: Tx, returnId: string): Promise<number> {
  const { _max } = await tx.returnSubmission.aggregate({ where: { returnId }, _max: { sequence: true } });
  return _max.sequence ?? 0;
}

/** The provider's answers to the reviewer about returned requirements, made with the resubmission. */
export async function createReviewReplies(
  tx: Tx,
  replies: { requirementReviewId: string; text: string; authorId: string; createdAt: Date }[],
): Promise<void> {
  if (replies.length > 0) await tx.reviewReply.createMany({ data: replies });
}

export function createSubmission(tx: Tx, data: Prisma.ReturnSubmissionUncheckedCreateInput) {
  return tx.returnSubmission.create({ data, select: { id: true, sequence: true, snapshotSha256: true } });
}

export async function markReturnSubmitted(tx: Tx, returnId: string, submittedAt: Date): Promise<void> {
  await tx.return.update({
    where: { id: returnId },
    data: { status: 'submitted', submittedAt, version: { increment: 1 } },
    select: { id: true },
  });
}

/** The return's audit trail, newest first, with who did each thing. */
export function findReturnAuditEvents(db: DbClient, returnId: string) {
  return db.auditEvent.findMany({
    where: { returnId },
    select: {
      id: true,
      occurredAt: true,
      action: true,
      entityType: true,
      entityId: true,
      before: true,
      after: true,
      actor: { select: { displayName: true } },
    },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
  });
}

/** Requirement codes of the return's responses, to name the requirement an answer event was about. */
export async function findResponseCodes(db: DbClient, returnId: string): Promise<Map<string, string>> {
  const rows = await db.response.findMany({
    where: { returnId },
    select: { id: true, requirement: { select: { code: true } }, service: { select: { name: true } } },
  });
  // Issue 14: an answer for a service names it ("1A, Maternity").
  return new Map(
    rows.map((row) => [
      row.id,
      row.service ? `${row.requirement.code}, ${row.service.name}` : row.requirement.code,
    ]),
  );
}

export function findSubmissions(db: DbClient, returnId: string) {
  return db.returnSubmission.findMany({
    where: { returnId },
    select: {
      sequence: true,
      submittedAt: true,
      snapshotSha256: true,
      submittedBy: { select: { displayName: true } },
      review: { select: { decision: true } },
    },
    orderBy: { sequence: 'desc' },
  });
}

export function findReturnForExtension(db: DbClient, returnId: string) {
  return db.return.findUnique({
    where: { id: returnId },
    select: {
      id: true,
      status: true,
      dueDate: true,
      originalDueDate: true,
      extensionReason: true,
      version: true,
      period: { select: { id: true, label: true } },
      provider: { select: { name: true } },
      contract: { select: { reference: true } },
      frameworkVersion: { select: { name: true } },
    },
  });
}

/** Moves the due date if the return is still at the version read; false when someone changed it since. */
export async function extendReturn(
  db: DbClient,
  returnId: string,
  readVersion: number,
  change: { dueDate: Date; extensionReason: string },
): Promise<boolean> {
  const { count } = await db.return.updateMany({
    where: { id: returnId, version: readVersion },
    data: { ...change, version: { increment: 1 } },
  });
  return count === 1;
}

/** What the returns list can be narrowed to (src/returns/returns-list.ts builds it from the URL). */
export interface ReturnsListFilter {
  providerScope: { in: string[] } | undefined;
  periodId: string | undefined;
  frameworkCode: string | undefined;
  /** The states allowed by the state and due-date filters together (undefined: any state). */
  statuses: ReturnStatus[] | undefined;
  dueBefore: Date | undefined;
  dueOnOrAfter: Date | undefined;
  dueOnOrBefore: Date | undefined;
  contractManagerId: string | undefined;
}

function returnsListWhere(filter: ReturnsListFilter): Prisma.ReturnWhereInput {
  const dueDate: Prisma.DateTimeFilter = {};
  if (filter.dueBefore) dueDate.lt = filter.dueBefore;
  if (filter.dueOnOrAfter) dueDate.gte = filter.dueOnOrAfter;
  if (filter.dueOnOrBefore) dueDate.lte = filter.dueOnOrBefore;
  return {
    ...(filter.providerScope ? { providerId: filter.providerScope } : {}),
    ...(filter.periodId ? { periodId: filter.periodId } : {}),
    ...(filter.frameworkCode ? { frameworkVersion: { framework: { code: filter.frameworkCode } } } : {}),
    ...(filter.statuses ? { status: { in: filter.statuses } } : {}),
    ...(Object.keys(dueDate).length > 0 ? { dueDate } : {}),
    ...(filter.contractManagerId ? { contract: { contractManagerId: filter.contractManagerId } } : {}),
  };
}

export type ReturnsListSort = 'due' | 'waiting' | 'provider';

const RETURNS_LIST_ORDER: Record<ReturnsListSort, Prisma.ReturnOrderByWithRelationInput[]> = {
  due: [{ dueDate: 'asc' }, { provider: { name: 'asc' } }, { frameworkVersion: { name: 'asc' } }],
  waiting: [
    { submittedAt: { sort: 'asc', nulls: 'last' } },
    { dueDate: 'asc' },
    { provider: { name: 'asc' } },
  ],
  provider: [{ provider: { name: 'asc' } }, { dueDate: 'asc' }, { frameworkVersion: { name: 'asc' } }],
};

/** One page of the returns list, the number that match, and how many are in each state. */
export async function findReturnsListPage(
  db: DbClient,
  filter: ReturnsListFilter,
  /** The same filter without the state choice: the counts per state come from it. */
  countFilter: ReturnsListFilter,
  sort: ReturnsListSort,
  page: { skip: number; take: number },
) {
  const where = returnsListWhere(filter);
  const [rows, total, byStatus] = await Promise.all([
    db.return.findMany({
      where,
      select: {
        id: true,
        status: true,
        dueDate: true,
        submittedAt: true,
        providerId: true,
        provider: { select: { name: true } },
        period: { select: { label: true } },
        frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
      },
      orderBy: RETURNS_LIST_ORDER[sort],
      skip: page.skip,
      take: page.take,
    }),
    db.return.count({ where }),
    db.return.groupBy({ by: ['status'], where: returnsListWhere(countFilter), _count: { _all: true } }),
  ]);
  return {
    rows,
    total,
    byStatus: new Map(byStatus.map((group) => [group.status, group._count._all])),
  };
}

/** The choices of the returns list's filters: every period (newest first) and every standard. */
export async function findReturnsListChoices(db: DbClient) {
  const [periods, frameworks] = await Promise.all([
    db.reportingPeriod.findMany({ select: { id: true, label: true }, orderBy: { startDate: 'desc' } }),
    db.framework.findMany({ select: { code: true, name: true }, orderBy: { name: 'asc' } }),
  ]);
  return { periods, frameworks };
}

// Issue 14: who graded an EDS return.

const GRADING_SELECT = {
  firstDate: true,
  lastDate: true,
  groups: true,
  howAgreed: true,
  dissent: true,
  updatedAt: true,
  updatedBy: { select: { displayName: true } },
} as const;

export function findGradingRecord(db: DbClient, returnId: string) {
  return db.gradingRecord.findUnique({ where: { returnId }, select: GRADING_SELECT });
}

export type GradingRecordRow = NonNullable<Awaited<ReturnType<typeof findGradingRecord>>>;

/** The grading records of several returns, by return id (exports). */
export async function findGradingRecords(
  db: DbClient,
  returnIds: readonly string[],
): Promise<Map<string, GradingRecordRow>> {
  const rows = await db.gradingRecord.findMany({
    where: { returnId: { in: [...returnIds] } },
    select: { ...GRADING_SELECT, returnId: true },
  });
  return new Map(rows.map(({ returnId, ...row }) => [returnId, row]));
}

export interface GradingData {
  firstDate: Date;
  lastDate: Date | null;
  groups: string[];
  howAgreed: string;
  dissent: string;
}

export function saveGradingRecord(tx: Tx, returnId: string, data: GradingData, userId: string, now: Date) {
  const fields = { ...data, updatedById: userId, updatedAt: now };
  return tx.gradingRecord.upsert({
    where: { returnId },
    create: { returnId, ...fields },
    update: fields,
  });
}
