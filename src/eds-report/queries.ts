import type { DbClient } from '../db/prisma.js';
import { EDS_REPORT_OBLIGATION } from './report.js';

// The reads behind the EDS report that the return's own queries do not already make.

/** The provider's ODS code, its active leads' names, and who submitted the return last. */
export async function findReportPeople(db: DbClient, providerId: string, returnId: string) {
  const provider = await db.provider.findUnique({ where: { id: providerId }, select: { odsCode: true } });
  const leads = await db.membership.findMany({
    where: { providerId, role: 'lead', user: { active: true } },
    select: { user: { select: { displayName: true } } },
    orderBy: { user: { displayName: 'asc' } },
  });
  const latest = await db.returnSubmission.findFirst({
    where: { returnId },
    orderBy: { sequence: 'desc' },
    select: { submittedAt: true, submittedBy: { select: { displayName: true } } },
  });
  const accepted = await db.return.findUnique({
    where: { id: returnId },
    select: { decidedAt: true, status: true },
  });
  return {
    odsCode: provider?.odsCode ?? '',
    leadNames: leads.map((lead) => lead.user.displayName),
    latestSubmission: latest,
    acceptedAt: accepted?.status === 'accepted' ? accepted.decidedAt : null,
  };
}

/** Where and when the provider published its EDS reports (its "eds-report" records), every year. */
export function findReportPublications(db: DbClient, providerId: string) {
  return db.publication.findMany({
    where: { providerId, obligationCode: EDS_REPORT_OBLIGATION },
    select: { year: true, url: true, publishedOn: true },
  });
}

/** When the return's EDS report was sent to NHS England, if recorded. */
export function findSending(db: DbClient, returnId: string) {
  return db.edsReportSending.findUnique({
    where: { returnId },
    select: { sentOn: true, recordedAt: true, recordedBy: { select: { displayName: true } } },
  });
}

export function saveSending(db: DbClient, returnId: string, sentOn: Date, userId: string, now: Date) {
  const fields = { sentOn, recordedById: userId, recordedAt: now };
  return db.edsReportSending.upsert({ where: { returnId }, create: { returnId, ...fields }, update: fields });
}

export function deleteSending(db: DbClient, returnId: string) {
  return db.edsReportSending.deleteMany({ where: { returnId } });
}
