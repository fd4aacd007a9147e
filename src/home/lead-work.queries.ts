import type { DbClient } from '../db/prisma.js';

// The provider lead's home page ("Your work"): the only file of it that talks to Prisma.

/**
 * The returns of the user's providers that still ask something of them or were decided lately:
 * every return not yet accepted, and those accepted since `acceptedSince`.
 */
export function findLeadReturns(db: DbClient, providerIds: string[], acceptedSince: Date) {
  return db.return.findMany({
    where: {
      providerId: { in: providerIds },
      OR: [{ status: { not: 'accepted' } }, { decidedAt: { gte: acceptedSince } }],
    },
    select: {
      id: true,
      contractId: true,
      providerId: true,
      status: true,
      dueDate: true,
      decidedAt: true,
      provider: { select: { name: true } },
      period: { select: { label: true, startDate: true } },
      frameworkVersion: {
        select: { code: true, frameworkId: true, framework: { select: { name: true } } },
      },
    },
    orderBy: [{ dueDate: 'asc' }, { provider: { name: 'asc' } }, { frameworkVersion: { name: 'asc' } }],
  });
}

export type LeadReturnRow = Awaited<ReturnType<typeof findLeadReturns>>[number];

/** The latest decisions on the providers' returns, newest first. */
export function findRecentDecisions(db: DbClient, providerIds: string[], take: number) {
  return db.returnReview.findMany({
    where: { submission: { return: { providerId: { in: providerIds } } } },
    select: {
      decision: true,
      comment: true,
      decidedAt: true,
      reviewer: { select: { displayName: true } },
      submission: {
        select: {
          sequence: true,
          return: {
            select: {
              id: true,
              provider: { select: { name: true } },
              period: { select: { label: true } },
              frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
            },
          },
        },
      },
    },
    orderBy: { decidedAt: 'desc' },
    take,
  });
}
