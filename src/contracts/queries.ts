import type { DbClient } from '../db/prisma.js';
import type { ContractInput } from './schemas.js';

export function listActiveContractManagers(db: DbClient) {
  return db.user.findMany({
    where: { role: 'contract_manager', active: true },
    select: { id: true, displayName: true, email: true },
    orderBy: { displayName: 'asc' },
  });
}

export function listFrameworks(db: DbClient) {
  return db.framework.findMany({ select: { id: true, code: true, name: true }, orderBy: { code: 'asc' } });
}

export function countFrameworks(db: DbClient, frameworkIds: string[]) {
  return db.framework.count({ where: { id: { in: frameworkIds } } });
}

export function isActiveContractManager(db: DbClient, userId: string): Promise<boolean> {
  return db.user
    .count({ where: { id: userId, role: 'contract_manager', active: true } })
    .then((count) => count > 0);
}

const contractFields = {
  id: true,
  reference: true,
  startDate: true,
  endDate: true,
  contractManagerId: true,
  provider: { select: { id: true, name: true } },
  standards: { select: { framework: { select: { id: true, code: true } } } },
} as const;

export function findContract(db: DbClient, contractId: string) {
  return db.contract.findUnique({ where: { id: contractId }, select: contractFields });
}

export function createContract(db: DbClient, providerId: string, input: ContractInput) {
  const { standards, ...fields } = input;
  return db.contract.create({
    data: {
      ...fields,
      providerId,
      standards: { create: standards.map((frameworkId) => ({ frameworkId })) },
    },
    select: contractFields,
  });
}

/** Replaces the contract's fields and its list of standards. */
export function updateContract(db: DbClient, contractId: string, input: ContractInput) {
  const { standards, ...fields } = input;
  return db.contract.update({
    where: { id: contractId },
    data: {
      ...fields,
      standards: { deleteMany: {}, create: standards.map((frameworkId) => ({ frameworkId })) },
    },
    select: contractFields,
  });
}

export type ContractRow = NonNullable<Awaited<ReturnType<typeof findContract>>>;
