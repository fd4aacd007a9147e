import type { Db, DbClient, Prisma } from '../db/prisma.js';
import type { ReturnStatus, ReviewDecision } from '../generated/prisma/enums.js';

// Only this file talks to Prisma for WRES and WDES returns.

const returnFields = {
  id: true,
  providerId: true,
  standardCode: true,
  standardVersion: true,
  year: true,
  status: true,
  version: true,
  submittedAt: true,
  decidedAt: true,
  // The facts its due date is worked out from (src/workforce/due.ts).
  provider: {
    select: {
      id: true,
      name: true,
      odsCode: true,
      sector: true,
      headcountBand: true,
      turnoverBand: true,
      financialYearEndMonth: true,
      providesMentalHealthServices: true,
    },
  },
  answers: { select: { indicatorCode: true, inputs: true, updatedAt: true } },
  submissions: {
    select: {
      id: true,
      sequence: true,
      submittedAt: true,
      decision: true,
      reason: true,
      decidedAt: true,
      submittedBy: { select: { displayName: true } },
      reviewer: { select: { displayName: true } },
    },
    orderBy: { sequence: 'desc' },
  },
} as const;

export function findWorkforceReturn(db: DbClient, returnId: string) {
  return db.workforceReturn.findUnique({ where: { id: returnId }, select: returnFields });
}

export type WorkforceReturnRow = NonNullable<Awaited<ReturnType<typeof findWorkforceReturn>>>;

/** Locks the return's row for a change in this transaction. */
export async function lockWorkforceReturn(db: DbClient, returnId: string): Promise<void> {
  await db.$queryRaw`SELECT id FROM workforce_returns WHERE id = ${returnId}::uuid FOR UPDATE`;
}

export function findProviderName(db: DbClient, providerId: string) {
  return db.provider.findUnique({
    where: { id: providerId },
    select: { id: true, name: true, active: true },
  });
}

/** A provider's returns, newest year first, with their answers (for trends). */
export function providerWorkforceReturns(db: Db, providerId: string) {
  return db.workforceReturn.findMany({
    where: { providerId },
    select: returnFields,
    orderBy: [{ year: 'desc' }, { standardCode: 'asc' }],
  });
}

/** Every return of a standard in the given years, for the ICB-wide view (providers the user may see). */
export function workforceReturnsIn(
  db: Db,
  standardCode: string,
  years: readonly number[],
  providerIds?: string[],
) {
  return db.workforceReturn.findMany({
    where: {
      standardCode,
      year: { in: [...years] },
      ...(providerIds && { providerId: { in: providerIds } }),
    },
    select: returnFields,
    orderBy: [{ provider: { name: 'asc' } }, { year: 'asc' }],
  });
}

/** Every provider's returns of the data years, for the chasers: which exist and in what state. */
export function workforceReturnsOfYears(db: Db, years: readonly number[]) {
  return db.workforceReturn.findMany({
    where: { year: { in: [...years] } },
    select: { id: true, providerId: true, standardCode: true, year: true, status: true },
  });
}

export function createWorkforceReturn(
  db: DbClient,
  data: {
    providerId: string;
    standardCode: string;
    standardVersion: string;
    year: number;
    createdById: string;
  },
) {
  return db.workforceReturn.create({ data, select: { id: true } });
}

export function workforceReturnExists(db: DbClient, providerId: string, standardCode: string, year: number) {
  return db.workforceReturn.findUnique({
    where: { providerId_standardCode_year: { providerId, standardCode, year } },
    select: { id: true },
  });
}

export function upsertAnswer(
  db: DbClient,
  data: {
    returnId: string;
    indicatorCode: string;
    inputs: Prisma.InputJsonValue;
    updatedById: string;
    updatedAt: Date;
  },
) {
  return db.workforceAnswer.upsert({
    where: { returnId_indicatorCode: { returnId: data.returnId, indicatorCode: data.indicatorCode } },
    create: data,
    update: { inputs: data.inputs, updatedById: data.updatedById, updatedAt: data.updatedAt },
  });
}

export function setStatus(
  db: DbClient,
  returnId: string,
  status: ReturnStatus,
  times: { submittedAt?: Date; decidedAt?: Date } = {},
) {
  return db.workforceReturn.update({
    where: { id: returnId },
    data: { status, version: { increment: 1 }, ...times },
  });
}

export function createSubmission(
  db: DbClient,
  data: {
    returnId: string;
    sequence: number;
    submittedById: string;
    submittedAt: Date;
    snapshot: Prisma.InputJsonValue;
    snapshotSha256: string;
  },
) {
  return db.workforceSubmission.create({ data, select: { id: true } });
}

export function decideSubmission(
  db: DbClient,
  submissionId: string,
  data: { decision: ReviewDecision; reason: string; reviewerId: string; decidedAt: Date },
) {
  return db.workforceSubmission.update({ where: { id: submissionId }, data });
}
