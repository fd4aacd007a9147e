import { RESULTS_BASIS_SELECT } from '../frameworks/results.queries.js';
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
    select: { id: true, ...RESULTS_BASIS_SELECT },
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
