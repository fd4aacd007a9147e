import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/prisma.js';
import type { Prisma } from '../../src/generated/prisma/client.js';

// Builders with sensible defaults: a test overrides only the field it is about.

const unique = () => randomBytes(3).toString('hex').toUpperCase();

export function createProvider(prisma: Db, overrides: Partial<Prisma.ProviderUncheckedCreateInput> = {}) {
  return prisma.provider.create({
    data: { name: `Test Provider ${unique()}`, odsCode: `T${unique()}`, type: 'acute_trust', ...overrides },
  });
}

export function createUser(prisma: Db, overrides: Partial<Prisma.UserUncheckedCreateInput> = {}) {
  const id = unique().toLowerCase();
  return prisma.user.create({
    data: {
      email: `user-${id}@example.nhs.uk`,
      displayName: `User ${id}`,
      role: 'contract_manager',
      ...overrides,
    },
  });
}

export async function createProviderLead(
  prisma: Db,
  providerId: string,
  overrides: Partial<Prisma.UserUncheckedCreateInput> = {},
) {
  const user = await createUser(prisma, { role: 'provider_lead', ...overrides });
  await prisma.membership.create({ data: { userId: user.id, providerId } });
  return user;
}
