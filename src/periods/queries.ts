import type { Db, DbClient, Prisma } from '../db/prisma.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';

export function listPeriods(db: Db) {
  return db.reportingPeriod.findMany({
    select: { id: true, label: true, startDate: true, endDate: true, _count: { select: { returns: true } } },
    orderBy: { startDate: 'desc' },
  });
}

/** What choosing a version needs: its publication date and its usual due date rule. */
const versionChoiceFields = {
  id: true,
  code: true,
  name: true,
  publishedOn: true,
  dueMonth: true,
  dueDay: true,
  dueNational: true,
  dueSource: true,
  dueVerified: true,
} as const;

/** Every framework with its versions, for choosing which version a period reports against. */
export function listFrameworksWithVersions(db: DbClient) {
  return db.framework.findMany({
    select: {
      id: true,
      code: true,
      name: true,
      versions: { select: { ...versionChoiceFields } },
    },
    orderBy: { code: 'asc' },
  });
}

export function createPeriodWithStandards(
  db: DbClient,
  data: { label: string; startDate: Date; endDate: Date },
  standards: { frameworkId: string; frameworkVersionId: string; dueDate: Date }[],
) {
  return db.reportingPeriod.create({
    data: { ...data, standards: { create: standards } },
    select: { id: true, label: true, startDate: true, endDate: true },
  });
}

const standardFields = {
  frameworkId: true,
  frameworkVersionId: true,
  dueDate: true,
  framework: { select: { code: true, name: true } },
  frameworkVersion: { select: versionChoiceFields },
} as const;

export function findPeriod(db: DbClient, periodId: string) {
  return db.reportingPeriod.findUnique({
    where: { id: periodId },
    select: {
      id: true,
      label: true,
      startDate: true,
      endDate: true,
      standards: { select: standardFields, orderBy: { framework: { code: 'asc' } } },
      _count: { select: { returns: true } },
    },
  });
}

export function countReturnsByStatus(db: Db, periodId: string) {
  return db.return.groupBy({ by: ['status'], where: { periodId }, _count: { _all: true } });
}

export function listPeriodReturns(db: Db, periodId: string) {
  return db.return.findMany({
    where: { periodId },
    select: {
      id: true,
      status: true,
      dueDate: true,
      originalDueDate: true,
      provider: { select: { name: true } },
      contract: { select: { reference: true } },
      frameworkVersion: { select: { name: true } },
    },
    orderBy: [{ provider: { name: 'asc' } }, { frameworkVersion: { name: 'asc' } }],
  });
}

/**
 * Holds the period's row until the transaction ends: opening it and changing its standards take
 * turns, so two people opening at once cannot both create the same returns.
 */
export async function lockPeriod(tx: Prisma.TransactionClient, periodId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM reporting_periods WHERE id = ${periodId}::uuid FOR UPDATE`;
  return rows.length > 0;
}

export function countPeriodReturns(db: DbClient, periodId: string) {
  return db.return.count({ where: { periodId } });
}

export function findPeriodStandard(db: DbClient, periodId: string, frameworkId: string) {
  return db.periodStandard.findUnique({
    where: { periodId_frameworkId: { periodId, frameworkId } },
    select: standardFields,
  });
}

export function findFrameworkVersions(db: DbClient, frameworkId: string) {
  return db.frameworkVersion.findMany({
    where: { frameworkId },
    select: versionChoiceFields,
    orderBy: { code: 'asc' },
  });
}

export function updatePeriodStandard(
  db: DbClient,
  periodId: string,
  frameworkId: string,
  data: { frameworkVersionId: string; dueDate: Date },
) {
  return db.periodStandard.update({
    where: { periodId_frameworkId: { periodId, frameworkId } },
    data,
    select: standardFields,
  });
}

/**
 * Contracts that owe returns for a period: the provider is active and the contract is in force at
 * some time during the period. With the frameworks each contract reports on.
 */
export function findContractsInForce(db: DbClient, period: { startDate: Date; endDate: Date }) {
  return db.contract.findMany({
    where: {
      provider: { active: true },
      startDate: { lte: period.endDate },
      OR: [{ endDate: null }, { endDate: { gte: period.startDate } }],
    },
    select: { id: true, providerId: true, standards: { select: { frameworkId: true } } },
    orderBy: { reference: 'asc' },
  });
}

/** The (contract, framework) pairs that already have a return in the period. */
export async function findExistingReturnKeys(db: DbClient, periodId: string) {
  const rows = await db.return.findMany({
    where: { periodId },
    select: { contractId: true, frameworkVersion: { select: { frameworkId: true } } },
  });
  return rows.map((row) => ({ contractId: row.contractId, frameworkId: row.frameworkVersion.frameworkId }));
}

export function findRequirementIds(db: DbClient, frameworkVersionIds: string[]) {
  return db.requirement.findMany({
    where: { frameworkVersionId: { in: frameworkVersionIds } },
    select: { id: true, frameworkVersionId: true },
    orderBy: { position: 'asc' },
  });
}

export interface NewReturn {
  id: string;
  contractId: string;
  providerId: string;
  frameworkVersionId: string;
  periodId: string;
  status: ReturnStatus;
  originalDueDate: Date;
  dueDate: Date;
}

export async function createReturnsWithResponses(
  db: DbClient,
  returns: NewReturn[],
  responses: { returnId: string; requirementId: string }[],
): Promise<void> {
  await db.return.createMany({ data: returns });
  await db.response.createMany({ data: responses });
}
