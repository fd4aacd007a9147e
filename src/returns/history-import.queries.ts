import type { DbClient } from '../db/prisma.js';
import type { Tx } from './queries.js';

// Reads and writes of a past period's return loaded from a spreadsheet (history-import.service.ts).

/** The provider with its contracts and the standards each reports on. */
export function findHistoryProvider(db: DbClient, providerId: string) {
  return db.provider.findUnique({
    where: { id: providerId },
    select: {
      id: true,
      name: true,
      odsCode: true,
      contracts: {
        select: { id: true, startDate: true, endDate: true, standards: { select: { frameworkId: true } } },
        orderBy: [{ startDate: 'desc' }, { reference: 'asc' }],
      },
    },
  });
}

export type HistoryProvider = NonNullable<Awaited<ReturnType<typeof findHistoryProvider>>>;

/** Every period's standards (version and due date), newest period first. */
export function listPeriodStandards(db: DbClient) {
  return db.reportingPeriod.findMany({
    select: {
      id: true,
      label: true,
      startDate: true,
      endDate: true,
      standards: {
        select: {
          frameworkId: true,
          frameworkVersionId: true,
          dueDate: true,
          frameworkVersion: { select: { code: true, framework: { select: { code: true, name: true } } } },
        },
        orderBy: { framework: { code: 'asc' } },
      },
    },
    orderBy: { startDate: 'desc' },
  });
}

/** The provider's returns (any contract) with whether each was imported. */
export function findProviderReturnKeys(db: DbClient, providerId: string) {
  return db.return.findMany({
    where: { providerId },
    select: { id: true, periodId: true, frameworkVersionId: true, imported: { select: { returnId: true } } },
  });
}

/** The return a workbook's token names (it may be any provider's), to say why it cannot be history. */
export function findTokenReturn(db: DbClient, returnId: string) {
  return db.return.findUnique({
    where: { id: returnId },
    select: {
      providerId: true,
      period: { select: { label: true } },
      frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
    },
  });
}

export interface ImportedReturnData {
  contractId: string;
  providerId: string;
  frameworkVersionId: string;
  periodId: string;
  dueDate: Date;
  importedAt: Date;
  importedById: string;
  fileName: string;
  fileSha256: string;
  responses: {
    requirementId: string;
    ratingLevelId: string | null;
    narrative: string;
    notApplicable: boolean;
    notApplicableReason: string;
  }[];
}

/** The return (accepted, as history), a response per requirement and the record of the import. */
export function createImportedReturn(tx: Tx, data: ImportedReturnData) {
  return tx.return.create({
    data: {
      contractId: data.contractId,
      providerId: data.providerId,
      frameworkVersionId: data.frameworkVersionId,
      periodId: data.periodId,
      status: 'accepted',
      originalDueDate: data.dueDate,
      dueDate: data.dueDate,
      startedAt: data.importedAt,
      submittedAt: data.importedAt,
      decidedAt: data.importedAt,
      responses: {
        createMany: {
          data: data.responses.map((response) => ({ ...response, updatedById: data.importedById })),
        },
      },
      imported: {
        create: {
          importedById: data.importedById,
          importedAt: data.importedAt,
          fileName: data.fileName,
          fileSha256: data.fileSha256,
        },
      },
    },
    select: { id: true },
  });
}
