import type { Db, Prisma } from '../db/prisma.js';

/** The client itself or the one handed to a `$transaction` callback. */
export type DbClient = Db | Prisma.TransactionClient;

// Any fixed number: concurrent importers (several app instances starting at once) take turns.
const STANDARDS_IMPORT_LOCK_KEY = 72_707_370;

/** Waits until no other transaction is importing standards; released when this transaction ends. */
export async function lockStandardsImport(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${STANDARDS_IMPORT_LOCK_KEY}::bigint)`;
}

export interface FrameworkRow {
  id: string;
  code: string;
  name: string;
}

export function findFrameworkByCode(db: DbClient, code: string): Promise<FrameworkRow | null> {
  return db.framework.findUnique({ where: { code } });
}

export function createFramework(db: DbClient, data: Omit<FrameworkRow, 'id'>): Promise<FrameworkRow> {
  return db.framework.create({ data });
}

export function findVersionByCodes(
  db: DbClient,
  frameworkCode: string,
  versionCode: string,
): Promise<{ id: string; contentSha256: string } | null> {
  return db.frameworkVersion.findFirst({
    where: { code: versionCode, framework: { code: frameworkCode } },
    select: { id: true, contentSha256: true },
  });
}

export interface RatingLevelData {
  code: string;
  label: string;
  score: number;
  colour: string | null;
  description: string;
  position: number;
}

export interface RatingScaleData {
  code: string;
  name: string;
  source: string;
  verified: boolean;
  levels: RatingLevelData[];
}

/** A scale with its levels in position order. */
export function findRatingScaleByCode(
  db: DbClient,
  code: string,
): Promise<(RatingScaleData & { id: string }) | null> {
  return db.ratingScale.findUnique({
    where: { code },
    select: {
      id: true,
      code: true,
      name: true,
      source: true,
      verified: true,
      levels: {
        select: { code: true, label: true, score: true, colour: true, description: true, position: true },
        orderBy: { position: 'asc' },
      },
    },
  });
}

export async function createRatingScale(db: DbClient, scale: RatingScaleData): Promise<{ id: string }> {
  const { levels, ...fields } = scale;
  return db.ratingScale.create({ data: { ...fields, levels: { create: levels } }, select: { id: true } });
}

export interface FrameworkVersionData {
  frameworkId: string;
  ratingScaleId: string;
  code: string;
  name: string;
  identifier: string | null;
  publishedOn: Date | null;
  groupLabel: string;
  source: string;
  verified: boolean;
  dueMonth: number;
  dueDay: number;
  dueNational: boolean;
  dueSource: string;
  dueVerified: boolean;
  statementsName: string | null;
  statementsSource: string | null;
  statementsVerified: boolean | null;
  notApplicableRule: string | null;
  notApplicableSource: string | null;
  notApplicableVerified: boolean | null;
  perServiceGroupCode: string | null;
  perServiceMinimum: number | null;
  perServiceCombine: string | null;
  perServiceSource: string | null;
  perServiceVerified: boolean | null;
  contentSha256: string;
}

export function createFrameworkVersion(db: DbClient, data: FrameworkVersionData): Promise<{ id: string }> {
  return db.frameworkVersion.create({ data, select: { id: true } });
}

export interface RatingBandData {
  minTotal: number;
  maxTotal: number;
  label: string;
  position: number;
  source: string;
  verified: boolean;
}

export async function createRatingBands(
  db: DbClient,
  frameworkVersionId: string,
  bands: RatingBandData[],
): Promise<void> {
  if (bands.length === 0) return;
  await db.overallRatingBand.createMany({ data: bands.map((band) => ({ ...band, frameworkVersionId })) });
}

export interface RequirementData {
  code: string;
  title: string;
  guidance: string;
  evidenceExpected: string;
  position: number;
  source: string;
  verified: boolean;
  notApplicableAllowed: boolean;
}

export interface RequirementGroupData {
  code: string;
  title: string;
  description: string;
  position: number;
  source: string;
  verified: boolean;
  requirements: RequirementData[];
}

/** Inserts the groups, then every requirement of the version in one statement. */
export async function createGroupsWithRequirements(
  db: DbClient,
  frameworkVersionId: string,
  ratingScaleId: string,
  groups: RequirementGroupData[],
): Promise<void> {
  const created = await db.requirementGroup.createManyAndReturn({
    data: groups.map((group) => ({
      frameworkVersionId,
      code: group.code,
      title: group.title,
      description: group.description,
      position: group.position,
      source: group.source,
      verified: group.verified,
    })),
    select: { id: true, code: true },
  });
  const groupIds = new Map(created.map((group) => [group.code, group.id]));
  const requirements = groups.flatMap((group) => {
    const groupId = groupIds.get(group.code);
    if (groupId === undefined) throw new Error(`Group ${group.code} was not created`);
    return group.requirements.map((requirement) => ({
      ...requirement,
      frameworkVersionId,
      groupId,
      ratingScaleId,
    }));
  });
  await db.requirement.createMany({ data: requirements });
}

/** A version's groups in order, each with its requirements in order, guidance and rating scale. */
export function findVersionGroups(db: DbClient, frameworkVersionId: string) {
  return db.requirementGroup.findMany({
    where: { frameworkVersionId },
    select: {
      id: true,
      code: true,
      title: true,
      requirements: {
        select: {
          id: true,
          code: true,
          title: true,
          guidance: true,
          evidenceExpected: true,
          notApplicableAllowed: true,
          ratingScale: {
            select: {
              name: true,
              levels: {
                select: { id: true, code: true, label: true, description: true },
                orderBy: { position: 'asc' },
              },
            },
          },
        },
        orderBy: [{ position: 'asc' }, { code: 'asc' }],
      },
    },
    orderBy: { position: 'asc' },
  });
}

const correctableFacts = { id: true, source: true, verified: true } as const;

/** A loaded version with everything a data correction may compare or change. */
export function findVersionForCorrection(db: DbClient, versionId: string) {
  return db.frameworkVersion.findUnique({
    where: { id: versionId },
    select: {
      name: true,
      identifier: true,
      publishedOn: true,
      groupLabel: true,
      source: true,
      verified: true,
      dueMonth: true,
      dueDay: true,
      dueNational: true,
      dueSource: true,
      dueVerified: true,
      statementsName: true,
      statementsSource: true,
      statementsVerified: true,
      notApplicableRule: true,
      notApplicableSource: true,
      notApplicableVerified: true,
      perServiceGroupCode: true,
      perServiceMinimum: true,
      perServiceCombine: true,
      perServiceSource: true,
      perServiceVerified: true,
      contentSha256: true,
      ratingScale: {
        select: {
          ...correctableFacts,
          code: true,
          name: true,
          levels: {
            select: { code: true, label: true, score: true, colour: true, description: true, position: true },
          },
        },
      },
      ratingBands: {
        select: { ...correctableFacts, minTotal: true, maxTotal: true, label: true, position: true },
      },
      groups: {
        select: {
          ...correctableFacts,
          code: true,
          title: true,
          description: true,
          position: true,
          requirements: {
            select: {
              ...correctableFacts,
              code: true,
              title: true,
              guidance: true,
              evidenceExpected: true,
              position: true,
              notApplicableAllowed: true,
            },
          },
        },
      },
    },
  });
}

interface Facts {
  id: string;
  source: string;
  verified: boolean;
}

export interface VersionCorrection {
  versionId: string;
  version: Omit<
    FrameworkVersionData,
    'frameworkId' | 'ratingScaleId' | 'code' | 'name' | 'identifier' | 'publishedOn' | 'groupLabel'
  >;
  ratingScale: Facts & { levels: { code: string; colour: string | null }[] };
  bands: Facts[];
  groups: (Facts & { requirements: (Facts & { notApplicableAllowed: boolean })[] })[];
}

/** Writes a data correction's sources, verified flags, due date rule and level colours (see import-standards.ts). */
export async function applyVersionCorrection(db: DbClient, correction: VersionCorrection): Promise<void> {
  const facts = ({ source, verified }: Facts) => ({ source, verified });
  await db.frameworkVersion.update({
    where: { id: correction.versionId },
    data: { ...correction.version, correctedAt: new Date() },
  });
  await db.ratingScale.update({
    where: { id: correction.ratingScale.id },
    data: facts(correction.ratingScale),
  });
  for (const level of correction.ratingScale.levels) {
    await db.ratingLevel.update({
      where: { scaleId_code: { scaleId: correction.ratingScale.id, code: level.code } },
      data: { colour: level.colour },
    });
  }
  for (const band of correction.bands) {
    await db.overallRatingBand.update({ where: { id: band.id }, data: facts(band) });
  }
  for (const group of correction.groups) {
    await db.requirementGroup.update({ where: { id: group.id }, data: facts(group) });
    for (const requirement of group.requirements) {
      await db.requirement.update({
        where: { id: requirement.id },
        data: { ...facts(requirement), notApplicableAllowed: requirement.notApplicableAllowed },
      });
    }
  }
}
