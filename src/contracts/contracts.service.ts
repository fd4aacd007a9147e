import { recordAudit } from '../audit/audit.js';
import { assertCommissionerEditor } from '../auth/access.js';
import type { Db, DbClient } from '../db/prisma.js';
import { NotFound, ValidationFailed } from '../errors.js';
import { isoDate } from '../format.js';
import { withUniqueFieldError } from '../db/unique-violation.js';
import { findProvider } from '../providers/queries.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  countFrameworks,
  createContract,
  findContract,
  isActiveContractManager,
  listActiveContractManagers,
  listFrameworks,
  updateContract,
  type ContractRow,
} from './queries.js';
import type { ContractInput } from './schemas.js';

/** The choices the contract form offers: active contract managers and the standards. */
export async function contractFormOptions(prisma: Db, user: CurrentUser) {
  assertCommissionerEditor(user);
  const [managers, frameworks] = await Promise.all([
    listActiveContractManagers(prisma),
    listFrameworks(prisma),
  ]);
  return { managers, frameworks };
}

export async function getProviderForNewContract(prisma: Db, user: CurrentUser, providerId: string) {
  assertCommissionerEditor(user);
  const provider = await findProvider(prisma, providerId);
  if (!provider) throw new NotFound();
  return provider;
}

export async function getContractForEdit(prisma: Db, user: CurrentUser, contractId: string) {
  assertCommissionerEditor(user);
  const contract = await findContract(prisma, contractId);
  if (!contract) throw new NotFound();
  return contract;
}

export async function addContract(prisma: Db, user: CurrentUser, providerId: string, input: ContractInput) {
  assertCommissionerEditor(user);
  return withUniqueFieldError('reference', duplicateReference(input.reference), () =>
    prisma.$transaction(async (tx) => {
      if (!(await findProvider(tx, providerId))) throw new NotFound();
      await assertChoicesExist(tx, input);
      const contract = await createContract(tx, providerId, input);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'contract.created',
        entityType: 'contract',
        entityId: contract.id,
        after: auditView(contract),
      });
      return contract;
    }),
  );
}

export async function editContract(prisma: Db, user: CurrentUser, contractId: string, input: ContractInput) {
  assertCommissionerEditor(user);
  return withUniqueFieldError('reference', duplicateReference(input.reference), () =>
    prisma.$transaction(async (tx) => {
      const before = await findContract(tx, contractId);
      if (!before) throw new NotFound();
      await assertChoicesExist(tx, input);
      const after = await updateContract(tx, contractId, input);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'contract.updated',
        entityType: 'contract',
        entityId: contractId,
        before: auditView(before),
        after: auditView(after),
      });
      return after;
    }),
  );
}

// The form only offers valid choices, but a stale page or a hand-made post may not.
async function assertChoicesExist(tx: DbClient, input: ContractInput): Promise<void> {
  const errors: Record<string, string> = {};
  if (!(await isActiveContractManager(tx, input.contractManagerId))) {
    errors.contractManagerId = 'Select the contract manager';
  }
  if ((await countFrameworks(tx, input.standards)) !== input.standards.length) {
    errors.standards = 'Select the standards this contract reports on';
  }
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
}

function auditView(contract: ContractRow) {
  return {
    providerId: contract.provider.id,
    reference: contract.reference,
    startDate: isoDate(contract.startDate),
    endDate: contract.endDate ? isoDate(contract.endDate) : null,
    contractManagerId: contract.contractManagerId,
    standards: contract.standards.map((standard) => standard.framework.code).sort(),
  };
}

const duplicateReference = (reference: string) => `A contract with reference ${reference} already exists`;
