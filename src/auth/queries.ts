import type { Db, DbClient } from '../db/prisma.js';
import type { UserRole } from '../generated/prisma/enums.js';

const userWithProviders = {
  id: true,
  email: true,
  displayName: true,
  role: true,
  active: true,
  memberships: { select: { providerId: true, provider: { select: { name: true } } } },
} as const;

export function findUserWithProviders(prisma: Db, userId: string) {
  return prisma.user.findUnique({ where: { id: userId }, select: userWithProviders });
}

export function listActiveUsersWithProviders(prisma: Db) {
  return prisma.user.findMany({
    where: { active: true },
    select: userWithProviders,
    orderBy: [{ role: 'asc' }, { displayName: 'asc' }],
  });
}

export function recordSignIn(prisma: DbClient, userId: string, at: Date) {
  return prisma.user.update({ where: { id: userId }, data: { lastSignInAt: at } });
}

const userWithMemberships = { memberships: { select: { providerId: true } } } as const;

/** By Entra object id, else an invited (not yet bound) user with that email. */
export async function findUserForEntra(prisma: DbClient, objectId: string, email: string) {
  return (
    (await prisma.user.findUnique({ where: { entraObjectId: objectId }, include: userWithMemberships })) ??
    (await prisma.user.findFirst({ where: { email, entraObjectId: null }, include: userWithMemberships }))
  );
}

export function createUserFromEntra(
  prisma: DbClient,
  data: { entraObjectId: string; email: string; displayName: string; role: UserRole },
) {
  return prisma.user.create({ data, include: userWithMemberships });
}

export function bindEntraObjectId(prisma: DbClient, userId: string, entraObjectId: string) {
  return prisma.user.update({ where: { id: userId }, data: { entraObjectId } });
}

export function setUserRole(prisma: DbClient, userId: string, role: UserRole) {
  return prisma.user.update({ where: { id: userId }, data: { role } });
}
