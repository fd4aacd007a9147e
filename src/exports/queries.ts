import type { Db } from '../db/prisma.js';

// The reads behind the exports. The requirement-level export never loads a whole period: it lists
// the period's returns (ids and sizes only), then reads their answers a batch of returns at a time.

export interface ExportFilter {
  periodId: string;
  frameworkId?: string | undefined;
  providerId?: string | undefined;
}

/** The returns an export covers, in the order the file lists them, with how many answers each has. */
export async function listExportReturns(db: Db, filter: ExportFilter) {
  const rows = await db.return.findMany({
    where: {
      periodId: filter.periodId,
      ...(filter.providerId ? { providerId: filter.providerId } : {}),
      ...(filter.frameworkId ? { frameworkVersion: { frameworkId: filter.frameworkId } } : {}),
    },
    select: { id: true, _count: { select: { responses: true } } },
    orderBy: [
      { provider: { name: 'asc' } },
      { provider: { odsCode: 'asc' } },
      { frameworkVersion: { framework: { code: 'asc' } } },
      { frameworkVersion: { code: 'asc' } },
      { id: 'asc' },
    ],
  });
  return rows.map((row) => ({ id: row.id, answers: row._count.responses }));
}

/** Every answer of some returns, with what the export prints beside it (one query). */
export function findReturnsWithAnswers(db: Db, returnIds: readonly string[]) {
  return db.return.findMany({
    where: { id: { in: [...returnIds] } },
    select: {
      id: true,
      status: true,
      imported: { select: { returnId: true } },
      dueDate: true,
      submittedAt: true,
      decidedAt: true,
      providerId: true,
      provider: { select: { name: true, odsCode: true } },
      period: { select: { label: true } },
      frameworkVersion: {
        select: {
          code: true,
          name: true,
          frameworkId: true,
          framework: { select: { name: true, code: true } },
        },
      },
      gradingRecord: {
        select: { firstDate: true, lastDate: true, groups: true, howAgreed: true, dissent: true },
      },
      submissions: {
        orderBy: { sequence: 'desc' },
        take: 1,
        select: {
          sequence: true,
          submittedAt: true,
          review: { select: { decision: true, comment: true, decidedAt: true } },
          requirementReviews: {
            select: { requirementId: true, serviceId: true, decision: true, reason: true, decidedAt: true },
          },
        },
      },
      responses: {
        select: {
          requirementId: true,
          serviceId: true,
          narrative: true,
          notApplicable: true,
          notApplicableReason: true,
          ratingLevel: { select: { label: true, score: true } },
          service: { select: { name: true, position: true } },
          requirement: {
            select: { code: true, title: true, position: true, group: { select: { position: true } } },
          },
        },
      },
    },
  });
}

export type ReturnWithAnswers = Awaited<ReturnType<typeof findReturnsWithAnswers>>[number];

/** The choices on the export form. */
export async function exportFormOptions(db: Db) {
  const [periods, frameworks, providers] = await Promise.all([
    db.reportingPeriod.findMany({ select: { id: true, label: true }, orderBy: { startDate: 'desc' } }),
    db.framework.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } }),
    db.provider.findMany({
      select: { id: true, name: true, odsCode: true },
      orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
    }),
  ]);
  return { periods, frameworks, providers };
}

export function findPeriodLabel(db: Db, periodId: string) {
  return db.reportingPeriod.findUnique({
    where: { id: periodId },
    select: { id: true, label: true, startDate: true },
  });
}

/** The providers a pack can be made for (a lead: only their own). */
export function listPackProviders(db: Db, providerIds: { in: string[] } | undefined) {
  return db.provider.findMany({
    where: providerIds ? { id: providerIds } : {},
    select: { id: true, name: true, odsCode: true },
    orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
  });
}

/** The periods in which a provider (or any of some providers) has returns, newest first. */
export function listPeriodsWithReturns(db: Db, providerIds: { in: string[] } | undefined) {
  return db.reportingPeriod.findMany({
    where: { returns: { some: providerIds ? { providerId: providerIds } : {} } },
    select: { id: true, label: true, startDate: true },
    orderBy: { startDate: 'desc' },
  });
}

/** Everything in a provider's pack for one period: answers, evidence, decisions and chasers. */
export function findPackReturns(db: Db, providerId: string, periodId: string) {
  return db.return.findMany({
    where: { providerId, periodId },
    orderBy: [{ frameworkVersion: { framework: { code: 'asc' } } }, { frameworkVersion: { code: 'asc' } }],
    select: {
      id: true,
      status: true,
      imported: { select: { returnId: true } },
      dueDate: true,
      submittedAt: true,
      decidedAt: true,
      frameworkVersion: {
        select: {
          code: true,
          name: true,
          frameworkId: true,
          framework: { select: { name: true, code: true } },
        },
      },
      gradingRecord: {
        select: { firstDate: true, lastDate: true, groups: true, howAgreed: true, dissent: true },
      },
      responses: {
        select: {
          id: true,
          requirementId: true,
          narrative: true,
          notApplicable: true,
          notApplicableReason: true,
          ratingLevel: { select: { label: true, score: true } },
          service: { select: { name: true, position: true } },
          requirement: {
            select: { code: true, title: true, position: true, group: { select: { position: true } } },
          },
          evidenceLinks: {
            select: {
              evidence: {
                select: {
                  id: true,
                  fileName: true,
                  fileSha256: true,
                  coversFrom: true,
                  coversTo: true,
                  uploadedAt: true,
                  file: { select: { sizeBytes: true, mediaType: true } },
                },
              },
            },
          },
        },
      },
      submissions: {
        orderBy: { sequence: 'asc' },
        select: {
          sequence: true,
          submittedAt: true,
          snapshotSha256: true,
          submittedBy: { select: { displayName: true } },
          review: {
            select: {
              decision: true,
              comment: true,
              decidedAt: true,
              reviewer: { select: { displayName: true } },
            },
          },
          requirementReviews: {
            select: {
              decision: true,
              reason: true,
              decidedAt: true,
              requirement: { select: { code: true, title: true, position: true } },
              service: { select: { name: true, position: true } },
              reviewer: { select: { displayName: true } },
            },
          },
        },
      },
      outboxEmails: {
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: {
          toAddress: true,
          ccAddresses: true,
          subject: true,
          stage: true,
          status: true,
          attempts: true,
          createdAt: true,
          sentAt: true,
          lastError: true,
        },
      },
    },
  });
}

export type PackReturn = Awaited<ReturnType<typeof findPackReturns>>[number];
