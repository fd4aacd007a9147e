import { recordAudit } from '../audit/audit.js';
import {
  assertCanEditForProvider,
  assertCanSeeProvider,
  assertCanSubmitForProvider,
  canEditForProvider,
  isCommissionerEditor,
  isLeadOf,
} from '../auth/access.js';
import type { DataDeps } from '../deps.js';
import type { DbClient } from '../db/prisma.js';
import { Conflict, NotFound } from '../errors.js';
import { evidenceListItems } from '../evidence/evidence-list.js';
import { evidenceForResponses } from '../evidence/queries.js';
import { canRecordPublication } from '../obligations/publications.service.js';
import { findPublication } from '../obligations/queries.js';
import {
  EDS_REPORT_OBLIGATION,
  hasEdsReport,
  reportYear,
  type ReportProgress,
} from '../eds-report/report.js';
import { standardName } from '../frameworks/names.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import { versionMappings } from '../frameworks/version-mappings.js';
import {
  requirementOfVersion,
  versionContent,
  type VersionContentCache,
  type VersionRequirement,
} from '../frameworks/version-content.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import type { CurrentUser } from '../auth/current-user.js';
import { ukToday } from '../format.js';
import { pathTo, paths, withService } from '../paths.js';
import { groupState, isOverdue, requirementState, type RequirementState } from './progress.js';
import {
  createAnswer,
  createReviewReplies,
  createSubmission,
  findAnswer,
  findAnswers,
  findAnswersToCarry,
  findCarryForwardSource,
  findLatestSubmission,
  findRequirementsWithLevels,
  findResponseCodes,
  findReturn,
  findReturnAuditEvents,
  findSnapshotSource,
  findSubmissions,
  lastSubmissionSequence,
  linkEvidence,
  lockReturn,
  markReturnCarriedForward,
  markReturnStarted,
  markReturnSubmitted,
  updateAnswerAtVersion,
  upsertCarriedAnswer,
  deleteServices,
  createServices,
  findServices,
  findService,
  type AnswerData,
  type AnswerRow,
  type ReturnRow,
  type ServiceRow,
  type Tx,
  findGradingRecord,
} from './queries.js';
import { assertEditable, isEditable } from './rules.js';
import { gradingRecordLines, needsGradingRecord } from './grading.js';
import { buildReturnSnapshot, snapshotDigest } from './snapshot.js';
import { perServiceRule, type PerServiceRule } from './services.js';
import { actionCarry, actionLines, requirementActionItems } from '../actions/action-items.js';
import { findFrameworkActions } from '../actions/queries.js';
import { returnedByRequirement, returnedReview, type ReturnedReview } from './returned.js';

// The provider side of a return: who may see and change it, and every change in one transaction
// with its audit event. Routes call these and turn the results into pages.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// EDS calls its requirements outcomes; AIS (and anything else) requirements.
const REQUIREMENT_NOUNS: Record<string, string> = { EDS: 'outcome' };

function requirementSubject(frameworkCode: string, requirementCode: string): string {
  return `${REQUIREMENT_NOUNS[frameworkCode] ?? 'requirement'} ${requirementCode}`;
}

function declarationText(providerName: string): string {
  return (
    `I confirm these answers are accurate and complete to the best of my knowledge, and that I may ` +
    `submit them on behalf of ${providerName}.`
  );
}

// ---------------------------------------------------------------------------------------------
// Access

export async function visibleReturn(db: DbClient, user: CurrentUser, returnId: string): Promise<ReturnRow> {
  const row = UUID.test(returnId) ? await findReturn(db, returnId) : null;
  if (!row) throw new NotFound();
  assertCanSeeProvider(user, row.providerId);
  return row;
}

/** Another provider's return is "not found", staff are forbidden, a frozen return is a conflict. */
export async function editableReturn(db: DbClient, user: CurrentUser, returnId: string): Promise<ReturnRow> {
  const row = await visibleReturn(db, user, returnId);
  assertCanEditForProvider(user, row.providerId);
  assertEditable(row.status);
  return row;
}

/** Whether pages offer forms: the same rule as editableReturn, without throwing. */
function canEdit(user: CurrentUser, row: { providerId: string; status: ReturnStatus }): boolean {
  return canEditForProvider(user, row.providerId) && isEditable(row.status);
}

async function visibleRequirement(
  versions: VersionContentCache,
  db: DbClient,
  row: ReturnRow,
  requirementId: string,
): Promise<VersionRequirement> {
  const requirement = await requirementOfVersion(versions, db, row.frameworkVersionId, requirementId);
  if (!requirement) throw new NotFound();
  return requirement;
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * The "Who graded the return" step (issue 14) of a standard graded by panels: undefined for other
 * standards; otherwise whether it is recorded and its lines for the check-answers page.
 */
async function gradingStep(db: DbClient, row: ReturnRow) {
  if (!needsGradingRecord(row.frameworkVersion.framework.code)) return undefined;
  const record = await findGradingRecord(db, row.id);
  return {
    recorded: record !== null,
    state: (record ? 'completed' : 'not_started') as RequirementState,
    lines: record ? gradingRecordLines(record) : [],
  };
}

/**
 * The "Services assessed" step (issue 14) of a version answered per service (EDS 2022 Domain 1):
 * undefined for other versions; otherwise its services, the fewest allowed, and the step's state.
 */
async function servicesStep(db: DbClient, row: ReturnRow) {
  const rule = perServiceRule(row.frameworkVersion);
  if (!rule) return undefined;
  const services = await findServices(db, row.id);
  const state: RequirementState =
    services.length === 0 ? 'not_started' : services.length < rule.minimum ? 'in_progress' : 'completed';
  return { ...rule, services, state, href: pathTo(paths.returns.services, { returnId: row.id }) };
}

export type ServicesStep = NonNullable<Awaited<ReturnType<typeof servicesStep>>>;

/**
 * The return's EDS report (issue 14), for EDS versions scored with rating bands (EDS 2022): where it
 * stands, and the form that records it for those who may (the publication page's own rule).
 */
async function edsReportSection(db: DbClient, user: CurrentUser, row: ReturnRow) {
  if (row.frameworkVersion.framework.code !== 'EDS') return undefined;
  const basis = await findResultsBasis(db, row.frameworkVersionId);
  if (!basis || !hasEdsReport(basis)) return undefined;
  const year = reportYear(row.period.startDate);
  const publication = await findPublication(db, row.providerId, EDS_REPORT_OBLIGATION, year);
  const progress: ReportProgress = {
    publication: publication && { url: publication.url, publishedOn: publication.publishedOn },
    sentOn: row.edsReportSending?.sentOn ?? null,
  };
  return {
    ...progress,
    href: pathTo(paths.returns.edsReport, { returnId: row.id }),
    recordHref: canRecordPublication(user, row.providerId)
      ? pathTo(paths.returns.edsReportPublication, { returnId: row.id })
      : undefined,
  };
}

export interface ReturnSummary {
  id: string;
  providerId: string;
  providerName: string;
  standardName: string;
  periodLabel: string;
  groupLabel: string;
  status: ReturnStatus;
  overdue: boolean;
  dueDate: Date;
  /** Set when a contract manager agreed an extension. */
  extension: { originalDueDate: Date; reason: string } | undefined;
  carriedFromPeriod: string | undefined;
  canEdit: boolean;
  /** A lead of the provider (contributors answer, a lead submits). */
  canSubmit: boolean;
  /** May download the return as a workbook: its own people, or staff who edit on its behalf. */
  canDownloadWorkbook: boolean;
  /** May upload the filled-in workbook: the same people, while the return can change. */
  canUploadWorkbook: boolean;
  /** A past period's return loaded from a spreadsheet (issue 15): who loaded which file, and when. */
  imported: { at: Date; by: string; fileName: string } | undefined;
}

export function summarise(user: CurrentUser, row: ReturnRow, now: Date): ReturnSummary {
  const extended = row.dueDate.getTime() !== row.originalDueDate.getTime() || row.extensionReason !== null;
  return {
    id: row.id,
    providerId: row.providerId,
    providerName: row.provider.name,
    standardName: standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code),
    periodLabel: row.period.label,
    groupLabel: row.frameworkVersion.groupLabel,
    status: row.status,
    overdue: isOverdue(row.status, row.dueDate, ukToday(now)),
    dueDate: row.dueDate,
    extension: extended
      ? { originalDueDate: row.originalDueDate, reason: row.extensionReason ?? '' }
      : undefined,
    carriedFromPeriod: row.carriedFrom?.period.label,
    canEdit: canEdit(user, row),
    canSubmit: canEdit(user, row) && isLeadOf(user, row.providerId),
    // An imported return is history: there is nothing to fill in.
    canDownloadWorkbook:
      !row.imported && (canEditForProvider(user, row.providerId) || isCommissionerEditor(user)),
    canUploadWorkbook:
      !row.imported &&
      isEditable(row.status) &&
      (canEditForProvider(user, row.providerId) || isCommissionerEditor(user)),
    imported: row.imported
      ? {
          at: row.imported.importedAt,
          by: row.imported.importedBy.displayName,
          fileName: row.imported.fileName,
        }
      : undefined,
  };
}

interface TaskListRequirement {
  id: string;
  code: string;
  title: string;
  /** The service it is answered for (issue 14: EDS 2022 Domain 1), if answered per service. */
  service: { id: string; name: string } | undefined;
  /** Its page (for the service). */
  href: string;
  state: RequirementState;
  answer: AnswerRow | undefined;
  returnedReason: string | undefined;
  /**
   * Sent back by the reviewer and neither its answer nor its evidence changed since: the task list
   * says "Returned - needs changes", not its state, and it does not count as completed.
   */
  awaitingChange: boolean;
}

interface TaskListService {
  id: string;
  name: string;
  state: RequirementState;
  awaitingChangeCount: number;
  requirements: TaskListRequirement[];
}

interface TaskListGroup {
  code: string;
  title: string;
  state: RequirementState;
  /** Its requirements returned and not changed yet: the group shows "Returned - needs changes". */
  awaitingChangeCount: number;
  /** Every requirement to answer: a group answered per service has each once per service. */
  requirements: TaskListRequirement[];
  /** A group answered per service (issue 14): its requirements service by service, in order. */
  services: TaskListService[] | undefined;
}

/** Where requirements stand together: none to answer yet (no services) is not started. */
function stateOf(requirements: readonly TaskListRequirement[]): RequirementState {
  return requirements.length === 0 ? 'not_started' : groupState(requirements.map((item) => item.state));
}

function awaitingCount(requirements: readonly TaskListRequirement[]): number {
  return requirements.filter((requirement) => requirement.awaitingChange).length;
}

/** The answer of a requirement for a service (null: not answered per service). */
function answerKey(requirementId: string, serviceId: string | null): string {
  return `${requirementId} ${serviceId ?? ''}`;
}

async function taskListGroups(
  versions: VersionContentCache,
  db: DbClient,
  row: ReturnRow,
  review?: ReturnedReview,
): Promise<TaskListGroup[]> {
  // One after the other: inside a transaction the queries share one connection.
  const { groups } = await versionContent(versions, db, row.frameworkVersionId);
  const answers = await findAnswers(db, row.id);
  const rule = perServiceRule(row.frameworkVersion);
  const services = rule ? await findServices(db, row.id) : [];
  const byKey = new Map(answers.map((answer) => [answerKey(answer.requirementId, answer.serviceId), answer]));
  // A decision per service (issue 14) is that service's; one without a service is the requirement's.
  const byService = new Map(
    review?.requirements.map((item) => [answerKey(item.requirementId, item.serviceId), item]),
  );
  const byRequirement = returnedByRequirement(review);
  const item = (requirement: VersionRequirement, service?: ServiceRow): TaskListRequirement => {
    const answer = byKey.get(answerKey(requirement.id, service?.id ?? null));
    const own = service ? byService.get(answerKey(requirement.id, service.id)) : undefined;
    const sentBack = own
      ? {
          reason: own.serviceName ? `${own.serviceName}: ${own.reason}` : own.reason,
          awaitingChange: !own.changed,
        }
      : service
        ? undefined
        : byRequirement.get(requirement.id);
    return {
      id: requirement.id,
      code: requirement.code,
      title: requirement.title,
      service: service && { id: service.id, name: service.name },
      href: withService(
        pathTo(paths.returns.requirement, { returnId: row.id, requirementId: requirement.id }),
        service?.id,
      ),
      state: requirementState(answer),
      answer,
      returnedReason: sentBack?.reason,
      awaitingChange: sentBack?.awaitingChange ?? false,
    };
  };
  return groups.map((group) => {
    const serviceLists =
      rule?.groupCode === group.code
        ? services.map((service) => {
            const requirements = group.requirements.map((requirement) => item(requirement, service));
            return {
              id: service.id,
              name: service.name,
              state: stateOf(requirements),
              awaitingChangeCount: awaitingCount(requirements),
              requirements,
            };
          })
        : undefined;
    const requirements = serviceLists
      ? serviceLists.flatMap((service) => service.requirements)
      : group.requirements.map((requirement) => item(requirement));
    return {
      code: group.code,
      title: group.title,
      state: stateOf(requirements),
      awaitingChangeCount: awaitingCount(requirements),
      requirements,
      services: serviceLists,
    };
  });
}

export async function returnTaskList(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  now: Date,
) {
  const row = await visibleReturn(prisma, user, returnId);
  const summary = summarise(user, row, now);
  const review = await returnedReview(prisma, row.id, await versionMappings(caches.versionMappings));
  const groups = await taskListGroups(caches.versions, prisma, row, review);
  const source =
    summary.canEdit && row.status === 'not_started'
      ? await findCarryForwardSource(prisma, carryTarget(row))
      : null;
  const requirements = groups.flatMap((group) => group.requirements);
  const services = await servicesStep(prisma, row);
  const accepted =
    row.status === 'accepted' ? (await findLatestSubmission(prisma, row.id))?.review : undefined;
  return {
    summary,
    groups,
    services,
    // The workbook has one row per outcome (workbook.service.ts refuses several services): no link.
    workbookNotForServices: (services?.services.length ?? 0) > 1,
    grading: await gradingStep(prisma, row),
    edsReport: await edsReportSection(prisma, user, row),
    review: review && { comment: review.comment, decidedAt: review.decidedAt },
    acceptance: accepted && {
      reviewerName: accepted.reviewer.displayName,
      comment: accepted.comment,
      decidedAt: accepted.decidedAt,
    },
    carryForwardFrom: source?.period.label,
    // A returned requirement not changed yet is not done, whatever its answer holds.
    completedCount: requirements.filter(
      (requirement) => requirement.state === 'completed' && !requirement.awaitingChange,
    ).length,
    returnedLeftCount: requirements.filter((requirement) => requirement.awaitingChange).length,
    requirementCount: requirements.length,
    progressText: progressText(
      requirements.filter((requirement) => requirement.state === 'completed' && !requirement.awaitingChange)
        .length,
      requirements.length,
      requirements.filter((requirement) => requirement.awaitingChange).length,
    ),
  };
}

/** "You have completed 15 of 17 requirements. 2 returned requirements still need changes." */
function progressText(completed: number, total: number, returnedLeft: number): string {
  const done = `You have completed ${completed} of ${total} ${total === 1 ? 'requirement' : 'requirements'}.`;
  if (returnedLeft === 0) return done;
  return `${done} ${returnedLeft === 1 ? '1 returned requirement still needs' : `${returnedLeft} returned requirements still need`} changes.`;
}

/** The per-service rule of a return's version when it applies to this requirement (issue 14). */
function perServiceRuleFor(row: ReturnRow, requirement: VersionRequirement): PerServiceRule | undefined {
  const rule = perServiceRule(row.frameworkVersion);
  return rule?.groupCode === requirement.group.code ? rule : undefined;
}

/**
 * The service a requirement's page is for (issue 14): none for a requirement not answered per
 * service (a service named there is not found); for one answered per service, the named service of
 * this return (any other: not found). Named nowhere (an older link), the page is the first service's.
 * `services` are the return's (read by the caller, only where the version answers per service).
 */
function pageService(
  user: CurrentUser,
  row: ReturnRow,
  requirement: VersionRequirement,
  serviceId: string | undefined,
  services: readonly ServiceRow[],
): { service: ServiceRow | undefined } | { redirect: string } {
  if (!perServiceRuleFor(row, requirement)) {
    if (serviceId !== undefined) throw new NotFound();
    return { service: undefined };
  }
  if (serviceId === undefined) {
    const [first] = services;
    if (first) {
      const path = pathTo(paths.returns.requirement, { returnId: row.id, requirementId: requirement.id });
      return { redirect: withService(path, first.id) };
    }
    // No services yet: they are named first (or, for those who cannot, the task list says so).
    return {
      redirect: pathTo(canEdit(user, row) ? paths.returns.services : paths.returns.show, {
        returnId: row.id,
      }),
    };
  }
  const service = services.find((candidate) => candidate.id === serviceId);
  if (!service) throw new NotFound();
  return { service };
}

export async function requirementPage(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  now: Date,
  serviceId?: string,
) {
  const row = await visibleReturn(prisma, user, returnId);
  const requirement = await visibleRequirement(caches.versions, prisma, row, requirementId);
  const services = perServiceRuleFor(row, requirement) ? await findServices(prisma, row.id) : [];
  const resolved = pageService(user, row, requirement, serviceId, services);
  if ('redirect' in resolved) return { kind: 'redirect' as const, location: resolved.redirect };
  const { service } = resolved;
  const [answer, review] = await Promise.all([
    findAnswer(prisma, row.id, requirement.id, service?.id),
    returnedReview(prisma, row.id, await versionMappings(caches.versionMappings)),
  ]);
  const items = answer ? ((await evidenceForResponses(prisma, [answer.id])).get(answer.id) ?? []) : [];
  const actions = await requirementActionItems(
    prisma,
    await actionCarry(caches.versionMappings, row.frameworkVersion),
    row.providerId,
    requirement,
    ukToday(now),
  );
  const ids = { returnId: row.id, requirementId: requirement.id };
  return {
    kind: 'page' as const,
    summary: summarise(user, row, now),
    actions,
    addActionHref: withService(pathTo(paths.actions.add, ids), service?.id),
    requirement,
    service,
    /** The page itself (the form posts here). */
    requirementHref: withService(pathTo(paths.returns.requirement, ids), service?.id),
    subject: requirementSubject(row.frameworkVersion.framework.code, requirement.code),
    answer,
    hasAnswer: answer !== null,
    returnedReason: returnedByRequirement(review).get(requirement.id)?.reason,
    evidence: evidenceListItems(items, row.period.startDate),
  };
}

export type RequirementPage = Extract<Awaited<ReturnType<typeof requirementPage>>, { kind: 'page' }>;

/** Refuses a submission before the form is read: another provider, staff, a contributor, a frozen return. */
export async function assertCanSubmit(
  { prisma }: DataDeps,
  user: CurrentUser,
  returnId: string,
): Promise<void> {
  await submittableReturn(prisma, user, returnId);
}

/** As editableReturn, but for a lead only: a contributor is told so, whatever the return's state. */
async function submittableReturn(db: DbClient, user: CurrentUser, returnId: string): Promise<ReturnRow> {
  const row = await visibleReturn(db, user, returnId);
  assertCanSubmitForProvider(user, row.providerId);
  assertEditable(row.status);
  return row;
}

/** What a save needs before it reads the form. */
export interface AnswerTarget {
  row: ReturnRow;
  requirement: VersionRequirement;
  /** The service answered for (issue 14), for a requirement answered per service. */
  service: ServiceRow | undefined;
  subject: string;
  /** The page after this one in task-list order ("Save and continue"), if any. */
  next: string | undefined;
}

/**
 * The pages of a return's requirements in task-list order: a group answered per service (issue 14)
 * service by service, each service through all of the group's requirements.
 */
function answerPages(
  row: ReturnRow,
  groups: readonly { code: string; requirements: readonly VersionRequirement[] }[],
  services: readonly ServiceRow[],
) {
  const rule = perServiceRule(row.frameworkVersion);
  return groups.flatMap((group) =>
    (rule?.groupCode === group.code ? services : [undefined]).flatMap((service) =>
      group.requirements.map((requirement) => ({ requirementId: requirement.id, serviceId: service?.id })),
    ),
  );
}

/**
 * The return, refused unless this user may change it (another provider's: 404; staff: 403; frozen:
 * 409), and the requirement being answered (404 unless it is one of the return's standard, or, if
 * answered per service, unless the service named is one of the return's; named nowhere, an older
 * form's, the first service, as the database takes an answer without a service).
 */
export async function answerTarget(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  serviceId?: string,
): Promise<AnswerTarget> {
  const row = await editableReturn(prisma, user, returnId);
  const requirement = await visibleRequirement(caches.versions, prisma, row, requirementId);
  // The return's services, read once: the page's, and the order of the pages that follow it.
  const services = perServiceRule(row.frameworkVersion) ? await findServices(prisma, row.id) : [];
  const resolved = pageService(user, row, requirement, serviceId, services);
  const service = 'redirect' in resolved ? services[0] : resolved.service;
  if ('redirect' in resolved && !service) throw new NotFound();
  const { groups } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const pages = answerPages(row, groups, services);
  const at = pages.findIndex(
    (page) => page.requirementId === requirement.id && page.serviceId === service?.id,
  );
  const next = pages[at + 1];
  return {
    row,
    requirement,
    service,
    subject: requirementSubject(row.frameworkVersion.framework.code, requirement.code),
    next:
      next &&
      withService(
        pathTo(paths.returns.requirement, { returnId: row.id, requirementId: next.requirementId }),
        next.serviceId,
      ),
  };
}

// ---------------------------------------------------------------------------------------------
// Saving an answer

export interface AnswerInput extends Omit<AnswerData, 'ratingLevelId'> {
  /** A level code of the requirement's rating scale, or null for no rating yet. */
  ratingCode: string | null;
  /** The response version the form was opened with (0: there was no answer yet). */
  version: number;
}

export type SaveOutcome = { kind: 'saved' } | { kind: 'conflict'; current: AnswerRow };

type AuditFields = Record<string, string | boolean | null>;

/** An answer as the audit trail records it: rating by its code, dates as YYYY-MM-DD. */
function auditFields(answer: {
  ratingCode: string | null;
  narrative: string;
  notApplicable: boolean;
  notApplicableReason: string;
  carriedForward: boolean;
}): AuditFields {
  return {
    rating: answer.ratingCode,
    narrative: answer.narrative,
    notApplicable: answer.notApplicable,
    notApplicableReason: answer.notApplicableReason,
    carriedForward: answer.carriedForward,
  };
}

function changedFields(before: AuditFields, after: AuditFields) {
  const keys = Object.keys(after).filter((key) => before[key] !== after[key]);
  return {
    before: Object.fromEntries(keys.map((key) => [key, before[key] ?? null])),
    after: Object.fromEntries(keys.map((key) => [key, after[key] ?? null])),
    changed: keys.length > 0,
  };
}

const EMPTY_ANSWER = {
  ratingCode: null,
  narrative: '',
  notApplicable: false,
  notApplicableReason: '',
  carriedForward: false,
};

/**
 * Saves one answer if nobody else saved it since the form was opened (optimistic concurrency on the
 * response version); otherwise reports the answer now saved, and changes nothing. Saving confirms a
 * carried-forward answer and starts a return that was not started.
 */
/** Saves an answer to a target from `answerTarget`; the transaction checks the return's status again. */
export async function saveAnswer(
  { prisma }: DataDeps,
  user: CurrentUser,
  { row, requirement, service }: AnswerTarget,
  input: AnswerInput,
  now: Date,
): Promise<SaveOutcome> {
  checkAnswerInput(requirement, input);
  return prisma.$transaction(async (tx) => {
    const status = await lockReturn(tx, row.id);
    if (!status) throw new NotFound();
    assertEditable(status);
    // Removed since the page was read: its answers went with it.
    if (service && !(await findService(tx, row.id, service.id))) throw new NotFound();
    return saveAnswerIn(tx, user, row.id, requirement, status, input, now, service?.id);
  });
}

/** Refuses a rating from another scale, or "not applicable" where the standard does not allow it. */
export function checkAnswerInput(requirement: VersionRequirement, input: AnswerInput): void {
  const level = requirement.ratingScale.levels.find((candidate) => candidate.code === input.ratingCode);
  if (input.ratingCode !== null && !level)
    throw new Conflict('That rating is not on this requirement’s scale');
  if (input.notApplicable && (!requirement.notApplicableAllowed || input.ratingCode !== null))
    throw new Conflict('This requirement cannot be answered “not applicable”');
}

/**
 * The one save path, inside a transaction that holds the return's lock (`status` as the lock read
 * it): the form saves one answer with it, a workbook upload several in one transaction.
 */
export async function saveAnswerIn(
  tx: Tx,
  user: CurrentUser,
  returnId: string,
  requirement: VersionRequirement,
  status: ReturnStatus,
  input: AnswerInput,
  now: Date,
  /** The service answered for (issue 14); without one, a per-service answer is the first service's. */
  serviceId?: string,
): Promise<SaveOutcome> {
  const level = requirement.ratingScale.levels.find((candidate) => candidate.code === input.ratingCode);
  const current = await findAnswer(tx, returnId, requirement.id, serviceId);
  const { before, after, changed } = changedFields(
    current
      ? auditFields({ ...current, ratingCode: current.ratingLevel?.code ?? null })
      : auditFields(EMPTY_ANSWER),
    auditFields({ ...input, carriedForward: false }),
  );
  if (!changed) return { kind: 'saved' as const };
  if (current && current.version !== input.version) return { kind: 'conflict' as const, current };

  const data = {
    ratingLevelId: level?.id ?? null,
    narrative: input.narrative,
    notApplicable: input.notApplicable,
    notApplicableReason: input.notApplicable ? input.notApplicableReason : '',
    updatedById: user.id,
  };
  let responseId: string;
  if (current) {
    if ((await updateAnswerAtVersion(tx, current.id, input.version, data)) === 0) {
      return { kind: 'conflict' as const, current: await reread(tx, returnId, requirement.id, serviceId) };
    }
    responseId = current.id;
  } else {
    responseId = (
      await createAnswer(tx, {
        ...data,
        returnId,
        requirementId: requirement.id,
        serviceId: serviceId ?? null,
      })
    ).id;
  }
  await recordAudit(tx, {
    actorId: user.id,
    action: 'response.saved',
    entityType: 'response',
    entityId: responseId,
    returnId,
    before,
    after,
  });
  if (status === 'not_started') await startReturn(tx, user, returnId, now);
  return { kind: 'saved' as const };
}

async function reread(
  tx: Tx,
  returnId: string,
  requirementId: string,
  serviceId: string | undefined,
): Promise<AnswerRow> {
  const answer = await findAnswer(tx, returnId, requirementId, serviceId);
  if (!answer) throw new NotFound();
  return answer;
}

export async function startReturn(tx: Tx, user: CurrentUser, returnId: string, now: Date): Promise<void> {
  if ((await markReturnStarted(tx, returnId, now)) === 0) return;
  await recordAudit(tx, {
    actorId: user.id,
    action: 'return.started',
    entityType: 'return',
    entityId: returnId,
    returnId,
    before: { status: 'not_started' },
    after: { status: 'in_progress' },
  });
}

// ---------------------------------------------------------------------------------------------
// Carrying answers forward

function carryTarget(row: ReturnRow) {
  return {
    contractId: row.contractId,
    frameworkId: row.frameworkVersion.frameworkId,
    periodStart: row.period.startDate,
  };
}

/**
 * Starts a return from the same contract's last accepted return of the same framework: each answer
 * is copied to the requirement with the same code (a rating only where the new scale has the same
 * level), marked carried forward for the provider to confirm, and its evidence linked again.
 */
export async function carryForward(
  { prisma }: DataDeps,
  user: CurrentUser,
  returnId: string,
  now: Date,
): Promise<void> {
  const row = await editableReturn(prisma, user, returnId);
  await prisma.$transaction(async (tx) => {
    const status = await lockReturn(tx, row.id);
    if (!status) throw new NotFound();
    assertEditable(status);
    if (status !== 'not_started') {
      throw new Conflict('This return has already been started, so earlier answers cannot be copied into it');
    }
    const source = await findCarryForwardSource(tx, carryTarget(row));
    if (!source) throw new Conflict('There is no accepted return from an earlier period to start from');

    const answers = await findAnswersToCarry(tx, source.id);
    const requirements = await findRequirementsWithLevels(tx, row.frameworkVersionId);
    const byCode = new Map(requirements.map((requirement) => [requirement.code, requirement]));
    const serviceIds = await carryServices(tx, source.id, row.id);
    const copied: string[] = [];
    const links = [];
    const carried = new Set<string>();
    for (const answer of answers) {
      const requirement = byCode.get(answer.requirement.code);
      if (!requirement) continue;
      const perService = requirement.group.code === requirement.frameworkVersion.perServiceGroupCode;
      // Per service: the same service in the new return; a requirement no longer answered per service
      // takes the first service's answer only.
      const serviceId = perService && answer.serviceId ? (serviceIds.get(answer.serviceId) ?? null) : null;
      const key = `${requirement.id} ${serviceId ?? ''}`;
      if (carried.has(key)) continue;
      carried.add(key);
      const level = requirement.ratingScale.levels.find(
        (candidate) => candidate.code === answer.ratingLevel?.code,
      );
      const { id } = await upsertCarriedAnswer(
        tx,
        { returnId: row.id, requirementId: requirement.id, serviceId },
        {
          ratingLevelId: level?.id ?? null,
          narrative: answer.narrative,
          // "Not applicable" carries over only where the new version still allows it.
          notApplicable: answer.notApplicable && requirement.notApplicableAllowed,
          notApplicableReason:
            answer.notApplicable && requirement.notApplicableAllowed ? answer.notApplicableReason : '',
          updatedById: user.id,
        },
      );
      if (!copied.includes(requirement.code)) copied.push(requirement.code);
      links.push(
        ...answer.evidenceLinks.map((link) => ({
          evidenceId: link.evidenceId,
          responseId: id,
          linkedById: user.id,
        })),
      );
    }
    const evidenceLinked = await linkEvidence(tx, links);
    await markReturnCarriedForward(tx, row.id, { carriedFromReturnId: source.id, startedAt: now });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.carried_forward',
      entityType: 'return',
      entityId: row.id,
      returnId: row.id,
      before: { status: 'not_started', carriedFrom: null },
      after: {
        status: 'in_progress',
        carriedFrom: source.period.label,
        answersCopied: copied.sort().join(', '),
        evidenceLinked,
      },
    });
  });
}

/**
 * The earlier return's services made again in the new one (same names, reasons and order), by old id.
 * The new return is not started, so the services it has (the "All services" a new return is given)
 * hold no answers yet: they give way to the earlier ones.
 */
async function carryServices(tx: Tx, fromReturnId: string, toReturnId: string) {
  const services = await findServices(tx, fromReturnId);
  if (services.length === 0) return new Map<string, string>();
  await deleteServices(tx, toReturnId);
  const created = await createServices(
    tx,
    toReturnId,
    services.map((service) => ({
      name: service.name,
      whyChosen: service.whyChosen,
      position: service.position,
    })),
  );
  const byName = new Map(created.map((service) => [service.name, service.id]));
  return new Map(
    services.flatMap((service) => {
      const id = byName.get(service.name);
      return id ? [[service.id, id] as const] : [];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Checking and submitting

export interface IncompleteItem {
  id: string;
  code: string;
  title: string;
  /** The service it is answered for (issue 14), if answered per service. */
  serviceName: string | undefined;
  /** Where to fix it. */
  href: string;
  problem: string;
}

/**
 * Files on the return's answers that the virus check blocked (a later rescan can find what the first
 * scan missed): nobody can open them, so the return cannot go to the reviewer with them.
 */
async function blockedEvidence(db: DbClient, groups: TaskListGroup[]) {
  const requirements = groups.flatMap((group) => group.requirements);
  const evidence = await evidenceForResponses(
    db,
    requirements.flatMap((requirement) => (requirement.answer ? [requirement.answer.id] : [])),
  );
  return requirements.flatMap((requirement) =>
    (requirement.answer ? (evidence.get(requirement.answer.id) ?? []) : [])
      .filter((item) => item.scanStatus === 'infected')
      .map((item) => ({
        id: requirement.id,
        code: requirement.code,
        serviceName: requirement.service?.name,
        href: requirement.href,
        fileName: item.fileName,
      })),
  );
}

function incompleteItems(groups: TaskListGroup[]): IncompleteItem[] {
  return groups.flatMap((group) =>
    group.requirements
      .filter((requirement) => requirement.state !== 'completed')
      .map((requirement) => ({
        id: requirement.id,
        code: requirement.code,
        title: requirement.title,
        serviceName: requirement.service?.name,
        href: requirement.href,
        problem: incompleteProblem(requirement),
      })),
  );
}

function incompleteProblem(requirement: TaskListRequirement): string {
  if (requirement.state === 'carried_forward') return 'Carried forward: check and confirm the answer';
  if (requirement.state === 'not_started') return 'Not started';
  if (requirement.answer?.notApplicable) return 'Needs the reason it is not applicable';
  const missing = [
    requirement.answer?.ratingLevelId ? undefined : 'a rating',
    requirement.answer?.narrative.trim() ? undefined : 'a narrative',
  ].filter(Boolean);
  return `Needs ${missing.join(' and ')}`;
}

export async function checkAnswersPage(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  now: Date,
) {
  const row = await visibleReturn(prisma, user, returnId);
  const mappings = await versionMappings(caches.versionMappings);
  const review = await returnedReview(prisma, row.id, mappings);
  const groups = await taskListGroups(caches.versions, prisma, row, review);
  const requirements = groups.flatMap((group) => group.requirements);
  const answerIds = requirements.flatMap((requirement) =>
    requirement.answer ? [requirement.answer.id] : [],
  );
  const evidence = await evidenceForResponses(prisma, answerIds);
  const actions = await findFrameworkActions(prisma, row.providerId, row.frameworkVersion.frameworkId);
  const carry = { version: row.frameworkVersion, mappings };
  const actionLinesOf = (requirement: TaskListRequirement) => actionLines(actions, carry, requirement);
  const evidenceOf = (requirement: TaskListRequirement) =>
    evidenceListItems(
      requirement.answer ? (evidence.get(requirement.answer.id) ?? []) : [],
      row.period.startDate,
    );
  return {
    summary: summarise(user, row, now),
    groups: groups.map((group) => {
      const shown = (requirement: TaskListRequirement) => ({
        ...requirement,
        evidence: evidenceOf(requirement),
        actionLines: actionLinesOf(requirement),
      });
      return {
        ...group,
        requirements: group.requirements.map(shown),
        services: group.services?.map((service) => ({
          ...service,
          requirements: service.requirements.map(shown),
        })),
      };
    }),
    incomplete: incompleteItems(groups),
    blocked: await blockedEvidence(prisma, groups),
    services: await servicesStep(prisma, row),
    grading: await gradingStep(prisma, row),
    // What the reviewer sent back, each with their reason and whether it has been changed since
    // (once per requirement, however many services answer it).
    returned: requirements
      .filter(
        (requirement, index) =>
          requirement.returnedReason !== undefined &&
          requirements.findIndex((other) => other.id === requirement.id) === index,
      )
      .map((requirement) => ({
        id: requirement.id,
        code: requirement.code,
        title: requirement.title,
        reason: requirement.returnedReason ?? '',
        changed: !requirement.awaitingChange,
        replyField: replyField(requirement.id),
      })),
    declaration: declarationText(row.provider.name),
  };
}

/** The form field of the provider's answer to the reviewer about one returned requirement. */
export function replyField(requirementId: string): string {
  return `reply-${requirementId}`;
}

export type SubmitOutcome =
  | { kind: 'submitted' }
  /** Fewer services than the standard's data asks for (issue 14: EDS 2022 Domain 1). */
  | { kind: 'too-few-services'; minimum: number; href: string }
  | { kind: 'incomplete'; items: IncompleteItem[] }
  /** A standard graded by panels without its grading record (issue 14). */
  | { kind: 'ungraded' }
  /** A file on an answer was blocked by the virus check. */
  | { kind: 'blocked-evidence' }
  /** Returned requirements neither changed nor answered: the reviewer's request still stands. */
  | { kind: 'unanswered'; requirements: { id: string; code: string }[] };

/**
 * Freezes the return: a snapshot of every answer and evidence hash with its SHA-256, stored as a new
 * submission, and the status moves to submitted. Completeness is checked again inside the
 * transaction, whatever the page showed.
 */
export async function submitReturn(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  now: Date,
  /** The provider's answers to the reviewer, by requirement id ("No change because ..."). */
  replies: ReadonlyMap<string, string> = new Map(),
): Promise<SubmitOutcome> {
  const row = await submittableReturn(prisma, user, returnId);
  const mappings = await versionMappings(caches.versionMappings);
  return prisma.$transaction(async (tx) => {
    const status = await lockReturn(tx, row.id);
    if (!status) throw new NotFound();
    assertEditable(status);
    const review = await returnedReview(tx, row.id, mappings);
    const services = await servicesStep(tx, row);
    if (services && services.services.length < services.minimum)
      return { kind: 'too-few-services' as const, minimum: services.minimum, href: services.href };
    const groups = await taskListGroups(caches.versions, tx, row, review);
    const incomplete = incompleteItems(groups);
    if (incomplete.length > 0) return { kind: 'incomplete' as const, items: incomplete };
    if ((await blockedEvidence(tx, groups)).length > 0) return { kind: 'blocked-evidence' as const };
    if ((await gradingStep(tx, row))?.recorded === false) return { kind: 'ungraded' as const };
    // A returned requirement goes back changed, or with the provider's answer to the reviewer.
    const unanswered = (review?.requirements ?? []).filter(
      (item) => !item.changed && !replies.get(item.requirementId)?.trim(),
    );
    if (unanswered.length > 0)
      return {
        kind: 'unanswered' as const,
        requirements: unanswered.map((item) => ({ id: item.requirementId, code: item.code })),
      };
    const given = (review?.requirements ?? []).flatMap((item) => {
      const text = replies.get(item.requirementId)?.trim();
      return text ? [{ item, text }] : [];
    });
    await createReviewReplies(
      tx,
      given.map(({ item, text }) => ({
        requirementReviewId: item.requirementReviewId,
        text,
        authorId: user.id,
        createdAt: now,
      })),
    );

    const snapshot = buildReturnSnapshot(await findSnapshotSource(tx, row.id, mappings));
    const submission = await createSubmission(tx, {
      returnId: row.id,
      sequence: (await lastSubmissionSequence(tx, row.id)) + 1,
      submittedById: user.id,
      submittedAt: now,
      declaration: declarationText(row.provider.name),
      snapshot,
      snapshotSha256: snapshotDigest(snapshot),
    });
    await markReturnSubmitted(tx, row.id, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.submitted',
      entityType: 'return',
      entityId: row.id,
      returnId: row.id,
      before: { status },
      after: {
        status: 'submitted',
        submission: submission.sequence,
        snapshotSha256: submission.snapshotSha256,
        ...(given.length > 0 ? { answeredReviewerOn: given.map(({ item }) => item.code).join(', ') } : {}),
      },
    });
    return { kind: 'submitted' as const };
  });
}

export async function confirmationPage({ prisma }: DataDeps, user: CurrentUser, returnId: string, now: Date) {
  const row = await visibleReturn(prisma, user, returnId);
  const submission = await findLatestSubmission(prisma, row.id);
  return { summary: summarise(user, row, now), submission };
}

// ---------------------------------------------------------------------------------------------
// History

export async function historyPage({ prisma }: DataDeps, user: CurrentUser, returnId: string, now: Date) {
  const row = await visibleReturn(prisma, user, returnId);
  const [events, codes, submissions] = await Promise.all([
    findReturnAuditEvents(prisma, row.id),
    findResponseCodes(prisma, row.id),
    findSubmissions(prisma, row.id),
  ]);
  return {
    summary: summarise(user, row, now),
    events: events.map((event) => ({
      ...event,
      requirementCode: event.entityType === 'response' ? codes.get(event.entityId) : undefined,
    })),
    submissions,
  };
}
