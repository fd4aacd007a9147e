import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import { versionContent } from '../frameworks/version-content.js';
import { yearOf } from '../obligations/derive.js';
import { findPublication } from '../obligations/queries.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { findAnswers, findGradingRecord } from '../returns/queries.js';
import { visibleReturn } from '../returns/returns.service.js';
import { findReportPeople } from './queries.js';
import { buildEdsReport, hasEdsReport, type EdsReport, type ReportAnswer } from './report.js';

// Issue 14: the EDS report of a return. Whoever may see the return may see its report (its
// provider's people, and staff); another provider's people are told it does not exist.

/** The obligation (data/obligations/eds-report.json) whose publication record is the report's. */
export const EDS_REPORT_OBLIGATION = 'eds-report';

/** The financial year of a return's period: the year its EDS report's publication is recorded in. */
export function reportYear(periodStart: Date): number {
  return yearOf(periodStart);
}

export async function edsReport(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
): Promise<{ report: EdsReport; returnId: string; providerId: string; year: number }> {
  const row = await visibleReturn(prisma, user, returnId);
  const basis = await findResultsBasis(prisma, row.frameworkVersionId);
  // Only EDS 2022 (scored, with rating bands) has a report; for any other return there is none.
  if (!basis || !hasEdsReport(basis)) throw new NotFound();
  const year = reportYear(row.period.startDate);
  const { requirements } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const live = new Map((await findAnswers(prisma, row.id)).map((answer) => [answer.requirementId, answer]));
  const grading = await findGradingRecord(prisma, row.id);
  const people = await findReportPeople(prisma, row.providerId, row.id);
  const publication = await findPublication(prisma, row.providerId, EDS_REPORT_OBLIGATION, year);
  const answers = requirements.map((requirement): ReportAnswer => {
    const answer = live.get(requirement.id);
    return {
      groupCode: requirement.group.code,
      groupTitle: requirement.group.title,
      requirementCode: requirement.code,
      requirementTitle: requirement.title,
      ratingLevelCode: answer?.notApplicable ? null : (answer?.ratingLevel?.code ?? null),
      notApplicable: answer?.notApplicable ?? false,
      notApplicableReason: answer?.notApplicableReason ?? '',
      narrative: answer?.narrative ?? '',
      actionPlan: answer?.actionPlan ?? '',
      actionOwner: answer?.actionOwner ?? '',
      actionDueDate: answer?.actionDueDate ?? null,
    };
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
    sentToNhsEnglandOn: null,
    answers,
    basis,
  });
  return { report, returnId: row.id, providerId: row.providerId, year };
}
