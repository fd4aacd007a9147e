import { gradingFactsFromSnapshot, gradingRecordLines, needsGradingRecord } from '../returns/grading.js';
import { recordAudit } from '../audit/audit.js';
import { assertCommissionerEditor, isCommissionerEditor } from '../auth/access.js';
import { STAFF_ROLES } from '../auth/roles.js';
import type { Db, Prisma } from '../db/prisma.js';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../errors.js';
import { isDownloadable, scanStateView, type ScanStateView } from '../evidence/evidence-list.js';
import { standardName } from '../frameworks/names.js';
import {
  computeResults,
  levelView,
  type ComputedResults,
  type ResultsBasis,
  type TagColour,
} from '../frameworks/results.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import type { ReturnStatus, ReviewDecision } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { formatDate, formatDateTime, isoDate, ukToday } from '../format.js';
import { RETURN_STATUS_TAGS, type TagParams } from '../returns/progress.js';
import type { ReturnSnapshot, SnapshotResponse } from '../returns/snapshot.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  createReturnReview,
  findLatestSubmission,
  findPreviousSubmission,
  findProviderEvidence,
  findRequirementOfReturn,
  findRequirementsOfReturn,
  findRequirementReview,
  findReturnDates,
  findReturnForReview,
  findSubmittedReturns,
  lockReturn,
  updateSubmittedReturn,
  upsertRequirementReview,
} from './queries.js';
import type { RequirementDecisionInput, ReturnToProviderInput } from './schemas.js';
import {
  answerKey,
  diffSnapshots,
  matchServices,
  snapshotActionLines,
  parseSnapshot,
  type RequirementChanges,
} from './snapshot-diff.js';

// Reviewing submitted returns. Who may do what:
// - the queue, the per-requirement decisions (one at a time, or accepting a resubmission's unchanged
//   requirements accepted last time) and the overall decision: admins and contract managers;
// - the review page itself: any staff role (viewers read it without forms);
// - provider leads: nothing here (403 before anything is looked up, so no id is confirmed or denied).
// Every change happens in one transaction that locks the return's row, checks it is still
// submitted, and records an audit event with the state before and after.

const DAY_MS = 86_400_000;

function assertStaff(user: CurrentUser): void {
  if (!STAFF_ROLES.includes(user.role)) throw new Forbidden('Reviews are carried out by the commissioner');
}

function assertReviewer(user: CurrentUser): void {
  assertStaff(user);
  assertCommissionerEditor(user);
}

/** Why a return that is not submitted cannot be reviewed now. */
function notWaitingForReview(status: ReturnStatus): Conflict {
  switch (status) {
    case 'accepted':
      return new Conflict('This return has already been accepted, so no further review decision can be made');
    case 'returned':
      return new Conflict(
        'This return has been returned to the provider. It can be reviewed again when they resubmit it',
      );
    default:
      return new Conflict('This return is not waiting for review: it has not been submitted');
  }
}

// ---------------------------------------------------------------------------------------------
// The queue

export interface QueueItem {
  returnId: string;
  href: string;
  providerName: string;
  /** The provider's page. */
  providerHref: string;
  odsCode: string;
  standardName: string;
  periodLabel: string;
  contractReference: string;
  /** "You" for the signed-in contract manager's own contracts, else the manager's name. */
  contractManager: string;
  yours: boolean;
  submittedAt: Date;
  submittedAtText: string;
  resubmitted: boolean;
  sequence: number;
  daysWaiting: number;
  daysWaitingText: string;
}

/**
 * Submitted returns waiting for a decision: the signed-in user's own contracts first, then the
 * oldest submission first (so the longest wait is at the top of each part).
 */
export async function reviewQueue(db: Db, user: CurrentUser, now: Date): Promise<QueueItem[]> {
  assertReviewer(user);
  const today = ukToday(now);
  const rows = await findSubmittedReturns(db);
  const items = rows.flatMap((row): QueueItem[] => {
    const latest = row.submissions[0];
    if (!latest) return [];
    const yours = row.contract.contractManagerId === user.id;
    const daysWaiting = Math.max(
      0,
      Math.round((today.getTime() - ukToday(latest.submittedAt).getTime()) / DAY_MS),
    );
    return [
      {
        returnId: row.id,
        href: pathTo(paths.review.show, { returnId: row.id }),
        providerName: row.provider.name,
        providerHref: pathTo(paths.providers.show, { providerId: row.providerId }),
        odsCode: row.provider.odsCode,
        standardName: standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code),
        periodLabel: row.period.label,
        contractReference: row.contract.reference,
        contractManager: yours ? 'You' : row.contract.contractManager.displayName,
        yours,
        submittedAt: latest.submittedAt,
        submittedAtText: formatDateTime(latest.submittedAt),
        resubmitted: latest.sequence > 1,
        sequence: latest.sequence,
        daysWaiting,
        daysWaitingText:
          daysWaiting === 0 ? 'Submitted today' : `${daysWaiting} day${daysWaiting === 1 ? '' : 's'}`,
      },
    ];
  });
  return items.sort(
    (a, b) =>
      Number(b.yours) - Number(a.yours) ||
      a.submittedAt.getTime() - b.submittedAt.getTime() ||
      a.providerName.localeCompare(b.providerName, 'en-GB'),
  );
}

// ---------------------------------------------------------------------------------------------
// The review page

export interface DecisionView {
  decision: ReviewDecision;
  tag: TagParams;
  reason: string;
  reviewerName: string;
  decidedAtText: string;
  /** The provider's answer to a returned requirement they resubmitted unchanged, with who gave it. */
  reply: { text: string; authorName: string } | null;
}

export interface EvidenceView {
  fileName: string;
  sha256: string;
  /** The download link, when the provider's evidence row for this file can be found and may be downloaded. */
  href: string | null;
  /** The virus check's state ("Ready", "Being checked", "Blocked: ..."), when the row can be found. */
  scan: ScanStateView | null;
}

export interface RequirementView {
  requirementId: string | null;
  /** The service the answer is for (issue 14: EDS 2022 Domain 1 is answered per service). */
  serviceId: string | null;
  /** What the decision is keyed by: the requirement, and its service when answered per service. */
  key: string;
  /** The requirement code, with the service's name when the return assesses several: "1A (Maternity)". */
  code: string;
  title: string;
  /** The element id of the requirement's section on the review page. */
  anchor: string;
  rating: { text: string; tagColour: TagColour | null; rated: boolean };
  /** The provider's reason when the answer is "not applicable" (the reviewer may return it). */
  notApplicableReason: string | null;
  narrative: string;
  /** The actions shown with the answer as submitted, each linking to the action and its progress. */
  actions: { text: string; href: string | undefined }[];
  evidence: EvidenceView[];
  /** What changed since the previous submission; null on a first submission. */
  changes: RequirementChanges | null;
  /** The decision on the submission under review. */
  review: DecisionView | null;
  /** On a resubmission: the decision on the previous submission, so the reviewer sees what was asked. */
  previousReview: DecisionView | null;
  /** The per-requirement decision form, when the user may decide now. */
  decideHref: string | null;
}

export interface GroupView {
  code: string;
  heading: string;
  requirements: RequirementView[];
}

export interface ReviewPage {
  returnId: string;
  providerName: string;
  odsCode: string;
  standardName: string;
  periodLabel: string;
  contractReference: string;
  contractManagerName: string;
  status: ReturnStatus;
  statusTag: TagParams;
  dueDateText: string;
  submission: { sequence: number; submittedAtText: string; submittedByName: string; sha256: string };
  resubmitted: boolean;
  /** On a resubmission: the services assessed now and not before, and the reverse (by name). */
  serviceChanges: { added: string[]; removed: string[] } | null;
  results: ComputedResults;
  groupLabel: string;
  groups: GroupView[];
  /** Who graded the return, as submitted (issue 14); undefined for standards not graded by panels. */
  grading: { key: string; value: string }[] | 'not recorded' | undefined;
  tally: { accepted: number; returned: number; undecided: number; total: number };
  /** The user may decide now: a reviewer, and the return is waiting for review. */
  canDecide: boolean;
  /** "Accept the return" is offered: the user may decide, every requirement is decided and none returned. */
  canAccept: boolean;
  /** Requirements a reviewer of a resubmission may accept in one step (accepted before, unchanged). */
  unchangedAcceptedCount: number;
  /** The overall decision on the submission under review, once made. */
  decision: {
    tag: TagParams;
    comment: string;
    newDueDateText: string | null;
    reviewerName: string;
    decidedAtText: string;
  } | null;
}

type ReviewRow = NonNullable<Awaited<ReturnType<typeof findReturnForReview>>>;
type ReviewRowDecision = ReviewRow['submissions'][number]['requirementReviews'][number];

const DECISION_TAGS: Record<ReviewDecision, TagParams> = {
  accepted: { text: 'Accepted', colour: 'green' },
  returned: { text: 'Returned', colour: 'orange' },
};

/** The latest submission of a return as frozen in its snapshot, with decisions and computed results. */
export async function getReviewPage(db: Db, user: CurrentUser, returnId: string): Promise<ReviewPage> {
  assertStaff(user);
  const row = await findReturnForReview(db, returnId);
  if (!row) throw new NotFound();
  const [latest, previous] = row.submissions;
  if (!latest) throw new NotFound('This return has not been submitted yet');

  const snapshot = parseSnapshot(latest.snapshot);
  const previousSnapshot = previous ? parseSnapshot(previous.snapshot) : null;
  const basis = await findResultsBasis(db, row.frameworkVersionId);
  if (!basis) throw new NotFound();
  const changes = previousSnapshot ? diffSnapshots(previousSnapshot, snapshot) : null;

  const hashes = [
    ...new Set(snapshot.responses.flatMap((response) => response.evidence.map((item) => item.sha256))),
  ];
  const evidenceRows = new Map(
    (await findProviderEvidence(db, row.providerId, hashes)).map((item) => [item.fileSha256, item]),
  );
  const requirementIds = new Map(
    row.frameworkVersion.requirements.map((requirement) => [requirement.code, requirement.id]),
  );
  const reviews = new Map(latest.requirementReviews.map((review) => [reviewKey(review), review]));
  const previousReviews = new Map(
    (previous?.requirementReviews ?? []).map((review) => [reviewKey(review), review]),
  );
  const services = previousSnapshot ? matchServices(previousSnapshot, snapshot) : null;
  const canDecide = isCommissionerEditor(user) && row.status === 'submitted';
  const unchangedAcceptedCount =
    canDecide && previous && previousSnapshot
      ? acceptedLastTimeUnchanged(
          previousSnapshot,
          snapshot,
          requirementIds,
          latest.requirementReviews,
          previous.requirementReviews,
        ).length
      : 0;

  // Named only when there are several: one service ("All services") reads as before.
  const serviceIds = (snapshot.services ?? []).map((service) => service.serviceId);
  const serviceIndex = (serviceId: string) => (serviceIds.length > 1 ? serviceIds.indexOf(serviceId) : -1);
  const requirementView = (response: SnapshotResponse): RequirementView => {
    const requirementId = requirementIds.get(response.requirementCode) ?? null;
    const serviceId = response.serviceId ?? null;
    const key = requirementId ? reviewKey({ requirementId, serviceId }) : '';
    const review = reviews.get(key);
    // The same service's decision last time (matched by id, else by name).
    const previousService = serviceId ? (services?.previousOf.get(serviceId) ?? null) : null;
    const previousReview = requirementId
      ? previousReviews.get(reviewKey({ requirementId, serviceId: previousService }))
      : undefined;
    // An outcome answered per service (EDS 2022 Domain 1) is shown once per service, named by it.
    const service = response.serviceId ? serviceIndex(response.serviceId) : -1;
    return {
      requirementId,
      serviceId,
      key,
      code: answerLabel(response, serviceIds.length),
      title: response.requirementTitle,
      anchor: requirementAnchor(response.requirementCode) + (service >= 0 ? `-service-${service + 1}` : ''),
      rating: ratingView(response, basis),
      notApplicableReason: response.notApplicable ? (response.notApplicableReason ?? '') : null,
      narrative: response.narrative,
      actions: snapshotActionLines(response).map((text, index) => {
        const actionId = response.actions?.[index]?.actionId;
        return { text, href: actionId ? pathTo(paths.actions.show, { actionId }) : undefined };
      }),
      evidence: response.evidence.map((item) => {
        const stored = evidenceRows.get(item.sha256);
        return {
          fileName: item.fileName,
          sha256: item.sha256,
          href:
            stored && isDownloadable(stored.file.scanStatus)
              ? pathTo(paths.evidence.download, { evidenceId: stored.id })
              : null,
          scan: stored ? scanStateView(stored.file.scanStatus, stored.file.scanSignature) : null,
        };
      }),
      changes: changes?.get(answerKey(response.requirementCode, response.serviceId)) ?? null,
      review: review ? decisionView(review) : null,
      previousReview: previousReview ? decisionView(previousReview) : null,
      decideHref: canDecide && requirementId ? requirementReviewHref(row.id, requirementId, serviceId) : null,
    };
  };

  const groups = groupResponses(snapshot, basis).map(({ code, heading, responses }) => ({
    code,
    heading,
    requirements: responses.map(requirementView),
  }));
  const all = groups.flatMap((group) => group.requirements);
  const overall = latest.review;
  return {
    returnId: row.id,
    providerName: row.provider.name,
    odsCode: row.provider.odsCode,
    standardName: standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code),
    periodLabel: row.period.label,
    contractReference: row.contract.reference,
    contractManagerName: row.contract.contractManager.displayName,
    status: row.status,
    statusTag: RETURN_STATUS_TAGS[row.status],
    dueDateText: formatDate(row.dueDate),
    submission: {
      sequence: latest.sequence,
      submittedAtText: formatDateTime(latest.submittedAt),
      submittedByName: latest.submittedBy.displayName,
      sha256: latest.snapshotSha256,
    },
    resubmitted: latest.sequence > 1,
    serviceChanges:
      services && (services.added.length > 0 || services.removed.length > 0)
        ? { added: services.added, removed: services.removed }
        : null,
    results: computeResults(snapshot.responses, basis),
    grading: snapshot.grading
      ? gradingRecordLines(gradingFactsFromSnapshot(snapshot.grading))
      : needsGradingRecord(row.frameworkVersion.framework.code)
        ? 'not recorded'
        : undefined,
    groupLabel: basis.groupLabel,
    groups,
    tally: {
      accepted: all.filter((item) => item.review?.decision === 'accepted').length,
      returned: all.filter((item) => item.review?.decision === 'returned').length,
      undecided: all.filter((item) => item.review === null).length,
      total: all.length,
    },
    canDecide,
    canAccept: canDecide && all.length > 0 && all.every((item) => item.review?.decision === 'accepted'),
    unchangedAcceptedCount,
    decision: overall
      ? {
          tag: DECISION_TAGS[overall.decision],
          comment: overall.comment,
          newDueDateText: overall.newDueDate ? formatDate(overall.newDueDate) : null,
          reviewerName: overall.reviewer.displayName,
          decidedAtText: formatDateTime(overall.decidedAt),
        }
      : null,
  };
}

/**
 * The page of one requirement's decision form (for one service's answer, where answered per
 * service): only while the return waits for review.
 */
export async function getRequirementReview(
  db: Db,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  serviceId: string | null,
): Promise<{ page: ReviewPage; requirement: RequirementView }> {
  assertReviewer(user);
  const page = await getReviewPage(db, user, returnId);
  const requirement = page.groups
    .flatMap((group) => group.requirements)
    .find((item) => item.key === reviewKey({ requirementId, serviceId }));
  if (!requirement) throw new NotFound();
  if (page.status !== 'submitted') throw notWaitingForReview(page.status);
  return { page, requirement };
}

/** The decision form of one requirement, and of one service's answer where answered per service. */
export function requirementReviewHref(
  returnId: string,
  requirementId: string,
  serviceId: string | null,
): string {
  const href = pathTo(paths.review.requirement, { returnId, requirementId });
  return serviceId ? `${href}?service=${encodeURIComponent(serviceId)}` : href;
}

/** What a decision is keyed by: its requirement, and its service for a per-service requirement. */
export function reviewKey(review: { requirementId: string; serviceId: string | null }): string {
  return review.serviceId ? `${review.requirementId} ${review.serviceId}` : review.requirementId;
}

/** An answer's requirement code, naming its service when the return assesses several: "1A (Maternity)". */
function answerLabel(response: SnapshotResponse, serviceCount: number): string {
  return response.serviceId && serviceCount > 1
    ? `${response.requirementCode} (${response.serviceName ?? ''})`
    : response.requirementCode;
}

export function requirementAnchor(code: string): string {
  return `requirement-${code.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function ratingView(response: SnapshotResponse, basis: ResultsBasis): RequirementView['rating'] {
  if (response.notApplicable) return { text: 'Not applicable', tagColour: 'grey', rated: true };
  if (response.ratingLevelCode === null) return { text: 'Not rated', tagColour: 'grey', rated: false };
  const level = basis.levels.find((candidate) => candidate.code === response.ratingLevelCode);
  // The label as submitted: the snapshot is the record, whatever the scale says today.
  const text = response.ratingLevelLabel ?? level?.label ?? response.ratingLevelCode;
  return { text, tagColour: level ? levelView(level).tagColour : null, rated: true };
}

function decisionView(review: ReviewRowDecision): DecisionView {
  return {
    decision: review.decision,
    tag: DECISION_TAGS[review.decision],
    reason: review.reason,
    reviewerName: review.reviewer.displayName,
    decidedAtText: formatDateTime(review.decidedAt),
    reply: review.reply ? { text: review.reply.text, authorName: review.reply.author.displayName } : null,
  };
}

/** The snapshot's responses by group, in the version's group order (unknown groups last, as stored). */
function groupResponses(snapshot: ReturnSnapshot, basis: ResultsBasis) {
  const known = new Map(basis.groups.map((group) => [group.code, group]));
  const codes = [...new Set(snapshot.responses.map((response) => response.groupCode))].sort(
    (a, b) =>
      (known.get(a)?.position ?? Number.MAX_SAFE_INTEGER) -
      (known.get(b)?.position ?? Number.MAX_SAFE_INTEGER),
  );
  return codes.map((code) => {
    const group = known.get(code);
    return {
      code,
      heading: group ? `${basis.groupLabel} ${code}: ${group.title}` : `${basis.groupLabel} ${code}`,
      responses: snapshot.responses.filter((response) => response.groupCode === code),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** Accept or return one requirement of the latest submission (a second decision replaces the first). */
export async function decideRequirement(
  db: Db,
  user: CurrentUser,
  returnId: string,
  answer: DecidedAnswer,
  input: RequirementDecisionInput,
  now: Date,
): Promise<void> {
  assertReviewer(user);
  await db.$transaction((tx) => decideWithin(tx, user, returnId, answer, input, now, 'always'));
}

/** The answer a decision is on: a requirement, and its service where answered per service. */
export interface DecidedAnswer {
  requirementId: string;
  serviceId: string | null;
}

/**
 * Decides several requirements of one return in one transaction (the "decide every requirement on
 * one page" form): all are saved, or none. A decision the same as the one already recorded (same
 * decision, same reason) is left as it is, so re-posting the page records nothing new.
 */
export async function decideRequirements(
  db: Db,
  user: CurrentUser,
  returnId: string,
  decisions: readonly { answer: DecidedAnswer; input: RequirementDecisionInput }[],
  now: Date,
): Promise<number> {
  assertReviewer(user);
  return db.$transaction(async (tx) => {
    let changed = 0;
    for (const { answer, input } of decisions) {
      if (await decideWithin(tx, user, returnId, answer, input, now, 'when-changed')) changed += 1;
    }
    return changed;
  });
}

/** One requirement's decision inside a transaction; false when it was already so and left alone. */
async function decideWithin(
  tx: Prisma.TransactionClient,
  user: CurrentUser,
  returnId: string,
  { requirementId, serviceId }: DecidedAnswer,
  input: RequirementDecisionInput,
  now: Date,
  record: 'always' | 'when-changed',
): Promise<boolean> {
  const locked = await lockReturn(tx, returnId);
  if (!locked) throw new NotFound();
  if (locked.status !== 'submitted') throw notWaitingForReview(locked.status);
  const requirement = await findRequirementOfReturn(tx, returnId, requirementId);
  const submission = await findLatestSubmission(tx, returnId);
  if (!requirement || !submission) throw new NotFound();
  const snapshot = parseSnapshot(submission.snapshot);
  // The answer as submitted: for a per-service requirement, the named service's (none without one).
  const answer = snapshot.responses.find(
    (response) => response.requirementCode === requirement.code && (response.serviceId ?? null) === serviceId,
  );
  if (!answer) throw new NotFound();

  const before = await findRequirementReview(tx, submission.id, requirementId, serviceId);
  if (record === 'when-changed' && before?.decision === input.decision && before.reason === input.reason)
    return false;
  const saved = await upsertRequirementReview(tx, {
    submissionId: submission.id,
    requirementId,
    serviceId,
    reviewerId: user.id,
    decision: input.decision,
    reason: input.reason,
    decidedAt: now,
  });
  const state = (review: ReviewState) => reviewAuditState(answer, submission.sequence, review);
  await recordAudit(tx, {
    actorId: user.id,
    action: before ? 'requirement_review.changed' : 'requirement_review.decided',
    entityType: 'requirement_review',
    entityId: saved.id,
    returnId,
    ...(before ? { before: state(before) } : {}),
    after: state({ decision: input.decision, reason: input.reason, reviewerId: user.id, decidedAt: now }),
  });
  return true;
}

interface ReviewState {
  decision: ReviewDecision;
  reason: string;
  reviewerId: string;
  decidedAt: Date;
}

/** A requirement decision as the audit trail records it (with the service's name where per service). */
function reviewAuditState(answer: SnapshotResponse, submissionSequence: number, review: ReviewState) {
  return {
    requirementCode: answer.requirementCode,
    ...(answer.serviceId ? { serviceName: answer.serviceName ?? '' } : {}),
    submissionSequence,
    decision: review.decision,
    reason: review.reason,
    reviewerId: review.reviewerId,
    decidedAt: review.decidedAt.toISOString(),
  };
}

interface DecisionRow {
  requirementId: string;
  serviceId: string | null;
  decision: ReviewDecision;
}

/**
 * The answers of a resubmission a reviewer may accept in one step: accepted on the previous
 * submission (the same service's, where per service), unchanged since (answer and evidence alike),
 * and not yet decided on this one.
 */
function acceptedLastTimeUnchanged(
  previous: ReturnSnapshot,
  latest: ReturnSnapshot,
  requirementIds: ReadonlyMap<string, string>,
  decidedNow: readonly DecisionRow[],
  decidedBefore: readonly DecisionRow[],
): { answer: DecidedAnswer; response: SnapshotResponse }[] {
  const changes = diffSnapshots(previous, latest);
  const { previousOf } = matchServices(previous, latest);
  const decided = new Set(decidedNow.map(reviewKey));
  const acceptedBefore = new Set(
    decidedBefore.filter((review) => review.decision === 'accepted').map(reviewKey),
  );
  return latest.responses.flatMap((response) => {
    const requirementId = requirementIds.get(response.requirementCode);
    if (!requirementId) return [];
    if (changes.get(answerKey(response.requirementCode, response.serviceId))?.status !== 'unchanged')
      return [];
    const serviceId = response.serviceId ?? null;
    const previousServiceId = serviceId ? (previousOf.get(serviceId) ?? null) : null;
    const answer = { requirementId, serviceId };
    return acceptedBefore.has(reviewKey({ requirementId, serviceId: previousServiceId })) &&
      !decided.has(reviewKey(answer))
      ? [{ answer, response }]
      : [];
  });
}

/**
 * Accepts every answer `acceptedLastTimeUnchanged` finds, each recorded and audited as the
 * reviewer's own decision; the count says how many. Only while the return waits for review.
 */
export async function acceptUnchangedRequirements(
  db: Db,
  user: CurrentUser,
  returnId: string,
  now: Date,
): Promise<number> {
  assertReviewer(user);
  return db.$transaction(async (tx) => {
    const { submission, snapshot, requirementIds } = await lockForDecision(tx, returnId);
    const previous = await findPreviousSubmission(tx, returnId, submission.sequence);
    if (!previous) return 0;
    const accepting = acceptedLastTimeUnchanged(
      parseSnapshot(previous.snapshot),
      snapshot,
      requirementIds,
      submission.requirementReviews,
      previous.requirementReviews,
    );
    for (const { answer, response } of accepting) {
      const decision = { decision: 'accepted' as const, reason: '', reviewerId: user.id, decidedAt: now };
      const saved = await upsertRequirementReview(tx, {
        submissionId: submission.id,
        ...answer,
        ...decision,
      });
      await recordAudit(tx, {
        actorId: user.id,
        action: 'requirement_review.decided',
        entityType: 'requirement_review',
        entityId: saved.id,
        returnId,
        after: {
          ...reviewAuditState(response, submission.sequence, decision),
          unchangedSinceAcceptedOn: previous.sequence,
        },
      });
    }
    return accepting.length;
  });
}

interface Outstanding {
  undecided: string[];
  returned: string[];
}

/**
 * Answers of the latest submission still undecided, and those returned, by code ("1A (Maternity)"
 * where the return assesses several services: each service's outcome is decided on its own).
 */
function outstanding(
  snapshot: ReturnSnapshot,
  requirementIds: Map<string, string>,
  reviews: readonly (DecisionRow & { reason: string })[],
): Outstanding {
  const byAnswer = new Map(reviews.map((review) => [reviewKey(review), review]));
  const serviceCount = snapshot.services?.length ?? 0;
  const undecided: string[] = [];
  const returned: string[] = [];
  for (const response of snapshot.responses) {
    const requirementId = requirementIds.get(response.requirementCode);
    const review = requirementId
      ? byAnswer.get(reviewKey({ requirementId, serviceId: response.serviceId ?? null }))
      : undefined;
    if (!review) undecided.push(answerLabel(response, serviceCount));
    else if (review.decision === 'returned') returned.push(answerLabel(response, serviceCount));
  }
  return { undecided, returned };
}

function listCodes(codes: readonly string[]): string {
  return codes.length <= 6
    ? codes.join(', ')
    : `${codes.slice(0, 6).join(', ')} and ${codes.length - 6} more`;
}

/** Field keys of the overall decision's errors (the page links each to its place). */
export const DECISION_ERROR_FIELDS = {
  undecided: 'accept',
  returnedRequirements: 'acceptReturned',
  noneReturned: 'returnRequirements',
} as const;

/**
 * Accepts the latest submission: every requirement must be decided and none returned. The return
 * becomes accepted, and the decision is recorded as the submission's review.
 */
export async function acceptReturn(db: Db, user: CurrentUser, returnId: string, now: Date): Promise<void> {
  assertReviewer(user);
  await db.$transaction(async (tx) => {
    const { submission, snapshot, requirementIds } = await lockForDecision(tx, returnId);
    const { undecided, returned } = outstanding(snapshot, requirementIds, submission.requirementReviews);
    const errors: Record<string, string> = {};
    if (undecided.length > 0) {
      errors[DECISION_ERROR_FIELDS.undecided] =
        `Decide every requirement before you accept the return: ${undecided.length} not decided (${listCodes(undecided)})`;
    }
    if (returned.length > 0) {
      errors[DECISION_ERROR_FIELDS.returnedRequirements] =
        `You cannot accept the return while requirements are returned (${listCodes(returned)}): accept them, or return the return to the provider`;
    }
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
    await recordDecision(
      tx,
      user,
      returnId,
      submission,
      { decision: 'accepted', comment: '', newDueDate: null },
      now,
    );
  });
}

/** The rules of returning a return, shared by the form check and the transaction. */
export function returnToProviderProblems(
  returnedWithReason: number,
  newDueDate: Date | undefined,
  now: Date,
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (returnedWithReason === 0) {
    errors[DECISION_ERROR_FIELDS.noneReturned] =
      'Return at least one requirement with a reason before you send the return back to the provider';
  }
  if (newDueDate && newDueDate.getTime() <= ukToday(now).getTime()) {
    errors.newDueDate = 'The new due date must be in the future';
  }
  return errors;
}

/**
 * Returns the latest submission to the provider: at least one requirement must be returned with a
 * reason, and the new due date must be in the future. The return's due date becomes the new date.
 */
export async function returnToProvider(
  db: Db,
  user: CurrentUser,
  returnId: string,
  input: ReturnToProviderInput,
  now: Date,
): Promise<void> {
  assertReviewer(user);
  await db.$transaction(async (tx) => {
    const { submission, snapshot, requirementIds } = await lockForDecision(tx, returnId);
    const { returned } = outstanding(
      snapshot,
      requirementIds,
      submission.requirementReviews.filter((review) => review.reason.trim() !== ''),
    );
    const errors = returnToProviderProblems(returned.length, input.newDueDate, now);
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
    await recordDecision(
      tx,
      user,
      returnId,
      submission,
      { decision: 'returned', comment: input.comment, newDueDate: input.newDueDate },
      now,
    );
  });
}

/** The review page for an overall decision: reviewers only, and only while the return waits for review. */
export async function getDecisionPage(db: Db, user: CurrentUser, returnId: string): Promise<ReviewPage> {
  assertReviewer(user);
  const page = await getReviewPage(db, user, returnId);
  if (page.status !== 'submitted') throw notWaitingForReview(page.status);
  return page;
}

type Tx = Prisma.TransactionClient;

async function lockForDecision(tx: Tx, returnId: string) {
  const locked = await lockReturn(tx, returnId);
  if (!locked) throw new NotFound();
  if (locked.status !== 'submitted') throw notWaitingForReview(locked.status);
  const submission = await findLatestSubmission(tx, returnId);
  if (!submission) throw new NotFound();
  const requirements = await findRequirementsOfReturn(tx, returnId);
  return {
    submission,
    snapshot: parseSnapshot(submission.snapshot),
    requirementIds: new Map(requirements.map((requirement) => [requirement.code, requirement.id])),
  };
}

async function recordDecision(
  tx: Tx,
  user: CurrentUser,
  returnId: string,
  submission: { id: string; sequence: number },
  decision: { decision: ReviewDecision; comment: string; newDueDate: Date | null },
  now: Date,
): Promise<void> {
  const before = await findReturnDates(tx, returnId);
  const status = decision.decision === 'accepted' ? 'accepted' : 'returned';
  const updated = await updateSubmittedReturn(tx, returnId, {
    status,
    decidedAt: now,
    ...(decision.newDueDate ? { dueDate: decision.newDueDate } : {}),
  });
  if (updated !== 1) throw notWaitingForReview(before.status);
  const review = await createReturnReview(tx, {
    submissionId: submission.id,
    reviewerId: user.id,
    decision: decision.decision,
    comment: decision.comment,
    newDueDate: decision.newDueDate,
    decidedAt: now,
  });
  await recordAudit(tx, {
    actorId: user.id,
    action: decision.decision === 'accepted' ? 'return.accepted' : 'return.returned',
    entityType: 'return',
    entityId: returnId,
    returnId,
    before: {
      status: before.status,
      dueDate: isoDate(before.dueDate),
      decidedAt: before.decidedAt?.toISOString() ?? null,
      version: before.version,
    },
    after: {
      status,
      dueDate: isoDate(decision.newDueDate ?? before.dueDate),
      decidedAt: now.toISOString(),
      version: before.version + 1,
      review: {
        id: review.id,
        submissionSequence: submission.sequence,
        decision: decision.decision,
        comment: decision.comment,
        newDueDate: decision.newDueDate ? isoDate(decision.newDueDate) : null,
      },
    },
  });
}
