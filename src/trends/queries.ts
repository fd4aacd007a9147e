import { RESULTS_BASIS_SELECT } from '../frameworks/results.queries.js';
import type { Db } from '../db/prisma.js';

// The trends page's reads: a fixed number of statements whatever the number of providers or periods.

export function listProviders(db: Db) {
  return db.provider.findMany({
    select: { id: true, name: true, odsCode: true },
    orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
  });
}

export function findTrendsProvider(db: Db, providerId: string) {
  return db.provider.findUnique({ where: { id: providerId }, select: { id: true, name: true } });
}

/** Every framework version with what computeResults needs (groups, levels, bands) and its framework's name. */
export function listResultsBases(db: Db) {
  return db.frameworkVersion.findMany({
    select: {
      id: true,
      ...RESULTS_BASIS_SELECT,
      framework: { select: { code: true, name: true } },
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
      imported: { select: { returnId: true } },
      frameworkVersionId: true,
      period: { select: { id: true, label: true, startDate: true } },
      submissions: { select: { snapshot: true }, orderBy: { sequence: 'desc' }, take: 1 },
    },
    relationLoadStrategy: 'join',
  });
}

/** The providers a provider's person belongs to, by name. */
export function listProvidersByIds(db: Db, ids: readonly string[]) {
  return db.provider.findMany({
    where: { id: { in: [...ids] } },
    select: { id: true, name: true },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
}
