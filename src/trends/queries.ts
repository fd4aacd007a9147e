import type { Db } from '../db/prisma.js';

// The trends page's reads: a fixed number of statements whatever the number of providers or periods.

export function listProviders(db: Db) {
  return db.provider.findMany({
    select: { id: true, name: true, odsCode: true },
    orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
  });
}

/** Every framework version with what computeResults needs (groups, levels, bands). */
export function listResultsBases(db: Db) {
  return db.frameworkVersion.findMany({
    select: {
      id: true,
      code: true,
      name: true,
      groupLabel: true,
      framework: { select: { code: true } },
      groups: { select: { code: true, title: true, position: true }, orderBy: { position: 'asc' } },
      ratingScale: {
        select: {
          levels: {
            select: { code: true, label: true, score: true, position: true, colour: true },
            orderBy: { position: 'asc' },
          },
        },
      },
      ratingBands: {
        select: { minTotal: true, maxTotal: true, label: true, position: true },
        orderBy: { position: 'asc' },
      },
    },
    orderBy: [{ framework: { code: 'asc' } }, { code: 'asc' }],
    relationLoadStrategy: 'join',
  });
}

/** Every return (of one provider, or all) with its period and latest submission. */
export function listReturnsForTrends(db: Db, providerId: string | undefined) {
  return db.return.findMany({
    where: providerId ? { providerId } : {},
    select: {
      status: true,
      frameworkVersionId: true,
      period: { select: { id: true, label: true, startDate: true } },
      submissions: { select: { snapshot: true }, orderBy: { sequence: 'desc' }, take: 1 },
    },
    relationLoadStrategy: 'join',
  });
}
