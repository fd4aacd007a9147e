import type { Db, DbClient } from '../db/prisma.js';
import type { UserRole } from '../generated/prisma/enums.js';

const userFields = {
  id: true,
  email: true,
  displayName: true,
  role: true,
  active: true,
  entraObjectId: true,
  lastSignInAt: true,
  memberships: {
    select: { provider: { select: { id: true, name: true, active: true } } },
    orderBy: { provider: { name: 'asc' } },
  },
} as const;

export function listUsers(db: Db) {
  return db.user.findMany({ select: userFields, orderBy: [{ displayName: 'asc' }, { email: 'asc' }] });
}

export function findUser(db: DbClient, userId: string) {
  return db.user.findUnique({ where: { id: userId }, select: userFields });
}

/** Emails are stored lower-case by the invitation and by Entra sign-in; older rows may not be. */
export function findUserByEmail(db: DbClient, email: string) {
  return db.user.findFirst({ where: { email: { equals: email, mode: 'insensitive' } }, select: userFields });
}

export function createInvitedLead(db: DbClient, data: { email: string; displayName: string }) {
  return db.user.create({ data: { ...data, role: 'provider_lead' }, select: { id: true } });
}

export function updateUser(db: DbClient, userId: string, data: { role?: UserRole; active?: boolean }) {
  return db.user.update({ where: { id: userId }, data, select: { id: true, role: true, active: true } });
}

export function createMembership(db: DbClient, userId: string, providerId: string) {
  return db.membership.create({ data: { userId, providerId } });
}

export async function deleteMembership(db: DbClient, userId: string, providerId: string): Promise<boolean> {
  const deleted = await db.membership.deleteMany({ where: { userId, providerId } });
  return deleted.count > 0;
}

export function findProvider(db: DbClient, providerId: string) {
  return db.provider.findUnique({
    where: { id: providerId },
    select: { id: true, name: true, active: true },
  });
}

/** Providers a lead can be added to: the active ones, by name. */
export function listActiveProviders(db: Db) {
  return db.provider.findMany({
    where: { active: true },
    select: { id: true, name: true, odsCode: true },
    orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
  });
}
