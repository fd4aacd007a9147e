import type { Db, DbClient } from '../db/prisma.js';
import { ValidationFailed } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { ProviderInput } from './schemas.js';

/**
 * Runs a change and turns a unique-index refusal (Prisma's P2002) into a field error. The database
 * decides rather than a check beforehand, so two people saving the same value at once cannot both win.
 * Use it where the change has one unique field a user typed.
 */
export async function withUniqueFieldError<T>(
  field: string,
  message: string,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new ValidationFailed({ [field]: message });
    }
    throw error;
  }
}

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

const providerFields = { id: true, name: true, odsCode: true, type: true, active: true } as const;

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
