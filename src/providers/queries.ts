import type { Db, DbClient } from '../db/prisma.js';
import type { ProviderInput } from './schemas.js';

export function listProviders(db: Db) {
  return db.provider.findMany({
    select: {
      id: true,
      name: true,
      odsCode: true,
      type: true,
      active: true,
      _count: { select: { contracts: true } },
    },
    orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
  });
}

const providerFields = {
  id: true,
  name: true,
  odsCode: true,
  type: true,
  active: true,
  sector: true,
  headcountBand: true,
  turnoverBand: true,
  financialYearEndMonth: true,
  website: true,
  providesMentalHealthServices: true,
} as const;

export function findProvider(db: DbClient, providerId: string) {
  return db.provider.findUnique({ where: { id: providerId }, select: providerFields });
}

export function findProviderWithContracts(db: Db, providerId: string) {
  return db.provider.findUnique({
    where: { id: providerId },
    select: {
      ...providerFields,
      contracts: {
        select: {
          id: true,
          reference: true,
          startDate: true,
          endDate: true,
          contractManager: { select: { displayName: true } },
          standards: { select: { framework: { select: { name: true } } } },
        },
        orderBy: [{ startDate: 'desc' }, { reference: 'asc' }],
      },
    },
  });
}

export function createProvider(db: DbClient, input: ProviderInput) {
  return db.provider.create({ data: input, select: providerFields });
}

export function updateProvider(
  db: DbClient,
  providerId: string,
  data: Partial<ProviderInput & { active: boolean }>,
) {
  return db.provider.update({ where: { id: providerId }, data, select: providerFields });
}

/** Every return of a provider, newest period first, with what its result is computed from. */
export function findProviderReturns(db: DbClient, providerId: string) {
  return db.return.findMany({
    where: { providerId },
    select: {
      id: true,
      status: true,
      dueDate: true,
      frameworkVersionId: true,
      period: { select: { id: true, label: true, startDate: true } },
      frameworkVersion: {
        select: {
          code: true,
          framework: { select: { name: true } },
          requirements: { select: { group: { select: { code: true } } } },
        },
      },
      tally: { select: { tally: true } },
      imported: { select: { returnId: true } },
      edsReportSending: { select: { sentOn: true } },
    },
    orderBy: [{ period: { startDate: 'desc' } }, { period: { label: 'desc' } }, { dueDate: 'asc' }],
  });
}

/** Milestones of a provider's returns that its page lists as history. */
const PROVIDER_HISTORY_RETURN_ACTIONS = [
  'return.submitted',
  'return.accepted',
  'return.returned',
  'return.extension_agreed',
  'return.history_imported',
];

/**
 * The latest changes to a provider: the provider record, its contracts, and the milestones of its
 * returns (submitted, accepted, returned, extension agreed), newest first.
 */
export function findProviderHistory(db: DbClient, providerId: string, contractIds: string[], take: number) {
  return db.auditEvent.findMany({
    where: {
      OR: [
        { entityType: 'provider', entityId: providerId },
        { entityType: 'contract', entityId: { in: contractIds } },
        { return: { providerId }, action: { in: PROVIDER_HISTORY_RETURN_ACTIONS } },
      ],
    },
    select: {
      id: true,
      occurredAt: true,
      action: true,
      actor: { select: { displayName: true } },
      return: {
        select: {
          id: true,
          period: { select: { label: true } },
          frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
        },
      },
    },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    take,
  });
}
