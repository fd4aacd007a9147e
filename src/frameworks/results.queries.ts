import type { DbClient, Prisma } from '../db/prisma.js';
import type { ResultsBasis } from './results.js';

/** What computeResults needs of a framework version: groups, the scale's levels and the bands. */
export const RESULTS_BASIS_SELECT = {
  code: true,
  name: true,
  groupLabel: true,
  notApplicableRule: true,
  perServiceGroupCode: true,
  perServiceCombine: true,
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
} as const;

type ResultsBasisRow = Prisma.FrameworkVersionGetPayload<{ select: typeof RESULTS_BASIS_SELECT }>;

/**
 * What computeResults needs about a framework version: its groups, its rating scale's levels and its
 * overall rating bands, all in position order. Null when there is no such version.
 */
export async function findResultsBasis(
  db: DbClient,
  frameworkVersionId: string,
): Promise<ResultsBasis | null> {
  const version = await db.frameworkVersion.findUnique({
    where: { id: frameworkVersionId },
    select: RESULTS_BASIS_SELECT,
  });
  return version ? resultsBasisOf(version) : null;
}

/** A version read with RESULTS_BASIS_SELECT as computeResults takes it (one mapping for every reader). */
export function resultsBasisOf(version: ResultsBasisRow): ResultsBasis {
  return {
    frameworkCode: version.framework.code,
    versionCode: version.code,
    versionName: version.name,
    groupLabel: version.groupLabel,
    groups: version.groups,
    levels: version.ratingScale.levels,
    bands: version.ratingBands,
    notApplicableRule: version.notApplicableRule,
    perService: perServiceRule(version),
  };
}

/** The version's per-service rule as results use it, from its columns (both set, or neither). */
export function perServiceRule(version: {
  perServiceGroupCode: string | null;
  perServiceCombine: string | null;
}): ResultsBasis['perService'] {
  return version.perServiceGroupCode !== null && version.perServiceCombine !== null
    ? { groupCode: version.perServiceGroupCode, combine: version.perServiceCombine }
    : null;
}
