import type { DbClient, Prisma } from '../db/prisma.js';
import type { ReturnStatus, ReviewDecision } from '../generated/prisma/enums.js';

/** The Prisma calls of the review feature; the service decides when and inside which transaction. */
type Tx = Prisma.TransactionClient;

/** Every return waiting for a decision, with its latest submission (the service orders them). */
export function findSubmittedReturns(db: DbClient) {
  return db.return.findMany({
    where: { status: 'submitted' },
    select: {
      id: true,
      providerId: true,
      provider: { select: { name: true, odsCode: true } },
      contract: {
        select: {
          reference: true,
          contractManagerId: true,
          contractManager: { select: { displayName: true } },
        },
      },
      period: { select: { label: true } },
      frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
      submissions: {
        select: { sequence: true, submittedAt: true },
        orderBy: { sequence: 'desc' },
        take: 1,
      },
    },
  });
}

const REQUIREMENT_REVIEW_SELECT = {
  requirementId: true,
  serviceId: true,
  decision: true,
  reason: true,
  decidedAt: true,
  reviewer: { select: { displayName: true } },
  // The provider's answer when they resubmitted it unchanged ("No change because ...").
  reply: { select: { text: true, author: { select: { displayName: true } } } },
} as const;

/** A return with its last two submissions (latest first), their decisions, and the version's requirements. */
export function findReturnForReview(db: DbClient, returnId: string) {
  return db.return.findUnique({
    where: { id: returnId },
    select: {
      id: true,
      providerId: true,
      status: true,
      dueDate: true,
      decidedAt: true,
      frameworkVersionId: true,
      provider: { select: { name: true, odsCode: true } },
      contract: { select: { reference: true, contractManager: { select: { displayName: true } } } },
      period: { select: { label: true } },
      frameworkVersion: {
        select: {
          code: true,
          framework: { select: { name: true, code: true } },
          requirements: { select: { id: true, code: true, title: true } },
        },
      },
      submissions: {
        orderBy: { sequence: 'desc' },
        take: 2,
        select: {
          id: true,
          sequence: true,
          submittedAt: true,
          snapshot: true,
          snapshotSha256: true,
          submittedBy: { select: { displayName: true } },
          requirementReviews: { select: REQUIREMENT_REVIEW_SELECT },
          review: {
            select: {
              decision: true,
              comment: true,
              newDueDate: true,
              decidedAt: true,
              reviewer: { select: { displayName: true } },
            },
          },
        },
      },
    },
  });
}

/** The evidence rows of a provider for the given file hashes (one per hash: the pair is unique). */
export function findProviderEvidence(db: DbClient, providerId: string, sha256s: string[]) {
  if (sha256s.length === 0) return Promise.resolve([]);
  return db.evidence.findMany({
    where: { providerId, fileSha256: { in: sha256s } },
    select: { id: true, fileSha256: true, file: { select: { scanStatus: true, scanSignature: true } } },
  });
}

/**
 * Locks the return's row until the transaction ends and reads its status and provider: decisions on
 * one return take turns, and a decision made meanwhile is seen. Null when there is no such return.
 */
export async function lockReturn(
  tx: Tx,
  returnId: string,
): Promise<{ status: ReturnStatus; providerId: string } | null> {
  const rows = await tx.$queryRaw<{ status: ReturnStatus; providerId: string }[]>`
    SELECT status::text AS status, provider_id::text AS "providerId"
    FROM returns WHERE id = ${returnId}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

/** A submission's frozen answers and the requirement decisions made on it. */
const decidedSubmissionSelect = {
  id: true,
  sequence: true,
  snapshot: true,
  requirementReviews: { select: { requirementId: true, serviceId: true, decision: true, reason: true } },
} as const;

/** The latest submission of a return with the requirement codes and ids of its version. */
export function findLatestSubmission(tx: Tx, returnId: string) {
  return tx.returnSubmission.findFirst({
    where: { returnId },
    orderBy: { sequence: 'desc' },
    select: decidedSubmissionSelect,
  });
}

/** The submission before `sequence` (none for a first submission). */
export function findPreviousSubmission(tx: Tx, returnId: string, sequence: number) {
  return tx.returnSubmission.findUnique({
    where: { returnId_sequence: { returnId, sequence: sequence - 1 } },
    select: decidedSubmissionSelect,
  });
}

export function findRequirementOfReturn(db: DbClient, returnId: string, requirementId: string) {
  return db.requirement.findFirst({
    where: { id: requirementId, frameworkVersion: { returns: { some: { id: returnId } } } },
    select: { id: true, code: true, title: true },
  });
}

/** The id and code of every requirement of the return's framework version. */
export function findRequirementsOfReturn(db: DbClient, returnId: string) {
  return db.requirement.findMany({
    where: { frameworkVersion: { returns: { some: { id: returnId } } } },
    select: { id: true, code: true },
  });
}

export function findReturnDates(tx: Tx, returnId: string) {
  return tx.return.findUniqueOrThrow({
    where: { id: returnId },
    select: { status: true, dueDate: true, decidedAt: true, version: true },
  });
}

/** The decision on one requirement (and service, for a per-service requirement) of a submission. */
export function findRequirementReview(
  tx: Tx,
  submissionId: string,
  requirementId: string,
  serviceId: string | null,
) {
  return tx.requirementReview.findFirst({
    where: { submissionId, requirementId, serviceId },
    select: { id: true, decision: true, reason: true, reviewerId: true, decidedAt: true },
  });
}

export interface RequirementReviewData {
  submissionId: string;
  requirementId: string;
  serviceId: string | null;
  reviewerId: string;
  decision: ReviewDecision;
  reason: string;
  decidedAt: Date;
}

/**
 * One decision per submission, requirement and service: a second decision replaces the first. Read
 * then written (the key has a nullable column, which Prisma's upsert cannot name); callers hold the
 * return's lock, so no other decision on it comes between.
 */
export async function upsertRequirementReview(tx: Tx, data: RequirementReviewData) {
  const { submissionId, requirementId, serviceId, ...fields } = data;
  const existing = await tx.requirementReview.findFirst({
    where: { submissionId, requirementId, serviceId },
    select: { id: true },
  });
  if (existing)
    return tx.requirementReview.update({ where: { id: existing.id }, data: fields, select: { id: true } });
  return tx.requirementReview.create({ data, select: { id: true } });
}

export function createReturnReview(tx: Tx, data: Prisma.ReturnReviewUncheckedCreateInput) {
  return tx.returnReview.create({ data, select: { id: true } });
}

export interface ReturnDecisionUpdate {
  status: Extract<ReturnStatus, 'accepted' | 'returned'>;
  decidedAt: Date;
  dueDate?: Date;
}

/** Records the decision on the return, only if it is still submitted; the count says whether it was. */
export async function updateSubmittedReturn(
  tx: Tx,
  returnId: string,
  data: ReturnDecisionUpdate,
): Promise<number> {
  const result = await tx.return.updateMany({
    where: { id: returnId, status: 'submitted' },
    data: { ...data, version: { increment: 1 } },
  });
  return result.count;
}
