import type { Db, DbClient } from '../db/prisma.js';

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
