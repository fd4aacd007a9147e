import type { Db, DbClient } from '../db/prisma.js';
import type { UserRole } from '../generated/prisma/enums.js';

const userFields = {
  id: true,
  email: true,
  displayName: true,
  role: true,
  active: true,
  entraObjectId: true,
  signInMethod: true,
  lastSignInAt: true,
  memberships: {
    select: { role: true, provider: { select: { id: true, name: true, active: true } } },
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

export function updateUser(db: DbClient, userId: string, data: { role?: UserRole; active?: boolean }) {
  return db.user.update({ where: { id: userId }, data, select: { id: true, role: true, active: true } });
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
