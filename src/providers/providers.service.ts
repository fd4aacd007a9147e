import { recordAudit } from '../audit/audit.js';
import { assertCanReadRegister, assertCommissionerEditor } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import { NotFound } from '../errors.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  createProvider,
  findProvider,
  findProviderWithContracts,
  listProviders,
  updateProvider,
} from './queries.js';
import { withUniqueFieldError } from '../db/unique-violation.js';
import type { ProviderInput } from './schemas.js';

export function listRegister(prisma: Db, user: CurrentUser) {
  assertCanReadRegister(user);
  return listProviders(prisma);
}

export async function getProvider(prisma: Db, user: CurrentUser, providerId: string) {
  assertCanReadRegister(user);
  const provider = await findProviderWithContracts(prisma, providerId);
  if (!provider) throw new NotFound();
  return provider;
}

export async function getProviderForEdit(prisma: Db, user: CurrentUser, providerId: string) {
  assertCommissionerEditor(user);
  const provider = await findProvider(prisma, providerId);
  if (!provider) throw new NotFound();
  return provider;
}

export async function addProvider(prisma: Db, user: CurrentUser, input: ProviderInput) {
  assertCommissionerEditor(user);
  return withUniqueFieldError('odsCode', duplicateOdsCode(input.odsCode), () =>
    prisma.$transaction(async (tx) => {
      const provider = await createProvider(tx, input);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'provider.created',
        entityType: 'provider',
        entityId: provider.id,
        after: provider,
      });
      return provider;
    }),
  );
}

export async function editProvider(prisma: Db, user: CurrentUser, providerId: string, input: ProviderInput) {
  assertCommissionerEditor(user);
  return withUniqueFieldError('odsCode', duplicateOdsCode(input.odsCode), () =>
    prisma.$transaction(async (tx) => {
      const before = await findProvider(tx, providerId);
      if (!before) throw new NotFound();
      const after = await updateProvider(tx, providerId, input);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'provider.updated',
        entityType: 'provider',
        entityId: providerId,
        before,
        after,
      });
      return after;
    }),
  );
}

/** Deactivating keeps the provider and its history; it only stops new returns being opened for it. */
export async function setProviderActive(prisma: Db, user: CurrentUser, providerId: string, active: boolean) {
  assertCommissionerEditor(user);
  return prisma.$transaction(async (tx) => {
    const before = await findProvider(tx, providerId);
    if (!before) throw new NotFound();
    if (before.active === active) return before;
    const after = await updateProvider(tx, providerId, { active });
    await recordAudit(tx, {
      actorId: user.id,
      action: active ? 'provider.reactivated' : 'provider.deactivated',
      entityType: 'provider',
      entityId: providerId,
      before: { active: before.active },
      after: { active: after.active },
    });
    return after;
  });
}

const duplicateOdsCode = (odsCode: string) => `A provider with ODS code ${odsCode} already exists`;
