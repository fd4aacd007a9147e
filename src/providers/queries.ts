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
