import { recordAudit } from '../audit/audit.js';
import { actionCarry, actionsForRequirement } from '../actions/action-items.js';
import { findFrameworkActions } from '../actions/queries.js';
import type { CurrentUser } from '../auth/current-user.js';
import { isoDate } from '../format.js';
import {
  assertCanRecordFor,
  canRecordPublication,
  savePublicationIn,
} from '../obligations/publications.service.js';
import { lockPublication } from '../obligations/queries.js';
import type { DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import { versionContent } from '../frameworks/version-content.js';
import { findPublication } from '../obligations/queries.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { findAnswers, findGradingRecord, findServices } from '../returns/queries.js';
import { visibleReturn } from '../returns/returns.service.js';
import { deleteSending, findReportPeople, findSending, saveSending } from './queries.js';
import type { ReportPublicationInput } from './schemas.js';
import {
  EDS_REPORT_OBLIGATION,
  buildEdsReport,
  hasEdsReport,
  reportYear,
  type ReportAnswer,
} from './report.js';

// Issue 14: the EDS report of a return. Whoever may see the return may see its report (its
// provider's people, and staff); another provider's people are told it does not exist.

export async function edsReport({ prisma, caches }: DataDeps, user: CurrentUser, returnId: string) {
  const row = await visibleReturn(prisma, user, returnId);
  const basis = await findResultsBasis(prisma, row.frameworkVersionId);
  // Only EDS 2022 (scored, with rating bands) has a report; for any other return there is none.
  if (!basis || !hasEdsReport(basis)) throw new NotFound();
  const year = reportYear(row.period.startDate);
  const { requirements } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const live = await findAnswers(prisma, row.id);
  const services = await findServices(prisma, row.id);
  const grading = await findGradingRecord(prisma, row.id);
  const people = await findReportPeople(prisma, row.providerId, row.id);
  const publication = await findPublication(prisma, row.providerId, EDS_REPORT_OBLIGATION, year);
  const sending = await findSending(prisma, row.id);
  const frameworkId = row.frameworkVersion.frameworkId;
  const actions = await findFrameworkActions(prisma, row.providerId, frameworkId);
  const carry = await actionCarry(caches.versionMappings, row.frameworkVersion);
  // Per service (Domain 1): each service's answers in the lead's order of services; others once.
  const perService = basis.perService?.groupCode;
  const answerOf = (requirementId: string, serviceId: string | null) =>
    live.find(
      (answer) =>
        answer.requirementId === requirementId && (serviceId === null || answer.serviceId === serviceId),
    );
  const answers = requirements.flatMap((requirement, index): ReportAnswer[] => {
    const perServiceRequirement = requirement.group.code === perService && services.length > 0;
    if (perServiceRequirement && requirements[index - 1]?.group.code === requirement.group.code) return [];
    const items = perServiceRequirement
      ? services.flatMap((service) =>
          requirements
            .filter((candidate) => candidate.group.code === requirement.group.code)
            .map((candidate) => ({ requirement: candidate, service })),
        )
      : [{ requirement, service: null }];
    return items.map(({ requirement: item, service }): ReportAnswer => {
      const answer = answerOf(item.id, service?.id ?? null);
      return {
        groupCode: item.group.code,
        groupTitle: item.group.title,
        requirementCode: item.code,
        requirementTitle: item.title,
        ratingLevelCode: answer?.notApplicable ? null : (answer?.ratingLevel?.code ?? null),
        notApplicable: answer?.notApplicable ?? false,
        notApplicableReason: answer?.notApplicableReason ?? '',
        narrative: answer?.narrative ?? '',
        // Named only when there are several: one service ("All services") reads as before.
        ...(service ? { serviceId: service.id, serviceName: services.length > 1 ? service.name : '' } : {}),
        // An outcome's actions once, with its first service (actions belong to the outcome).
        actions: service && service.id !== services[0]?.id ? [] : actionsForRequirement(actions, carry, item),
      };
    });
  });
  const submitter = people.latestSubmission?.submittedBy.displayName;
  const report = buildEdsReport({
    organisation: { name: row.provider.name, odsCode: people.odsCode },
    standardName: standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code),
    periodLabel: row.period.label,
    statusText: RETURN_STATUS_TAGS[row.status].text,
    lead: submitter
      ? { names: [submitter], basis: 'submitted' }
      : { names: people.leadNames, basis: 'provider-leads' },
    // Moments as the UK calendar days they fell on.
    submittedAt: people.latestSubmission ? ukToday(people.latestSubmission.submittedAt) : null,
    acceptedAt: people.acceptedAt ? ukToday(people.acceptedAt) : null,
    grading,
    publication: publication && { url: publication.url, publishedOn: publication.publishedOn },
    sentToNhsEnglandOn: sending?.sentOn ?? null,
    answers,
    basis,
  });
  return {
    report,
    returnId: row.id,
    providerId: row.providerId,
    year,
    publication,
    sentOn: sending?.sentOn ?? null,
    canRecord: canRecordPublication(user, row.providerId),
  };
}

/**
 * Records where and when the report was published (the provider's publication record for the
 * "eds-report" obligation in the return's year: one record, shown by the publications register too)
 * and when it was sent to NHS England, in one transaction, each change audited. Unchanged facts are
 * not recorded again (so a checked publication stays checked).
 */
export async function recordReportPublication(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  input: ReportPublicationInput,
  now: Date,
): Promise<void> {
  const { prisma, caches } = deps;
  const row = await visibleReturn(prisma, user, returnId);
  assertCanRecordFor(user, row.providerId);
  const basis = await findResultsBasis(prisma, row.frameworkVersionId);
  if (!basis || !hasEdsReport(basis)) throw new NotFound();
  const obligation = caches.obligations.byCode.get(EDS_REPORT_OBLIGATION);
  if (!obligation) throw new Error(`No obligation file for ${EDS_REPORT_OBLIGATION}`);
  const year = reportYear(row.period.startDate);
  await prisma.$transaction(async (tx) => {
    if (input.publication) {
      await lockPublication(tx, row.providerId, obligation.code, year);
      const before = await findPublication(tx, row.providerId, obligation.code, year);
      const same =
        before?.url === input.publication.url &&
        before.publishedOn.getTime() === input.publication.publishedOn.getTime();
      if (!same)
        await savePublicationIn(tx, user, row.providerId, obligation, year, input.publication, null, now);
    }
    const sentBefore = (await findSending(tx, row.id))?.sentOn ?? null;
    const iso = (date: Date | null) => (date ? isoDate(date) : null);
    if (iso(sentBefore) === iso(input.sentOn)) return;
    if (input.sentOn) await saveSending(tx, row.id, input.sentOn, user.id, now);
    else await deleteSending(tx, row.id);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.eds_report_sent_recorded',
      entityType: 'return',
      entityId: row.id,
      returnId: row.id,
      before: { sentToNhsEnglandOn: iso(sentBefore) },
      after: { sentToNhsEnglandOn: iso(input.sentOn) },
    });
  });
}
