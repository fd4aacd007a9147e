import type { DbClient } from '../db/prisma.js';
import type { MembershipRole, SignInMethod } from '../generated/prisma/enums.js';

/** The providers a provider's person belongs to, by name. */
export function findProvidersByIds(db: DbClient, providerIds: string[]) {
  return db.provider.findMany({
    where: { id: { in: providerIds } },
    select: { id: true, name: true, active: true },
    orderBy: { name: 'asc' },
  });
}

/** A provider's people with what the "who has access" section shows of each. */
export function findPeopleOfProvider(db: DbClient, providerId: string) {
  return db.membership.findMany({
    where: { providerId },
    select: {
      role: true,
      user: {
        select: {
          id: true,
          email: true,
          displayName: true,
          active: true,
          signInMethod: true,
          entraTenantId: true,
          entraObjectId: true,
          lastSignInAt: true,
          emailLinks: {
            where: { purpose: 'invitation' },
            select: { createdAt: true, expiresAt: true, usedAt: true },
            orderBy: { createdAt: 'desc' },
            take: 1,
          },
        },
      },
    },
    orderBy: [{ role: 'asc' }, { user: { displayName: 'asc' } }],
  });
}

export function findMembership(db: DbClient, userId: string, providerId: string) {
  return db.membership.findUnique({
    where: { userId_providerId: { userId, providerId } },
    select: {
      role: true,
      provider: { select: { id: true, name: true } },
      user: {
        select: {
          id: true,
          email: true,
          displayName: true,
          signInMethod: true,
          entraObjectId: true,
          lastSignInAt: true,
        },
      },
    },
  });
}

export function createPerson(
  db: DbClient,
  data: { email: string; displayName: string; signInMethod: SignInMethod },
) {
  return db.user.create({
    data: { ...data, role: 'provider_lead' },
    select: {
      id: true,
      email: true,
      displayName: true,
      signInMethod: true,
      entraObjectId: true,
      lastSignInAt: true,
    },
  });
}

export function createMembership(db: DbClient, userId: string, providerId: string, role: MembershipRole) {
  return db.membership.create({ data: { userId, providerId, role } });
}

export async function deleteMembership(db: DbClient, userId: string, providerId: string): Promise<boolean> {
  const deleted = await db.membership.deleteMany({ where: { userId, providerId } });
  return deleted.count > 0;
}

/** The providers a user belongs to, by id (as the audit trail records memberships). */
export async function providerIdsOf(db: DbClient, userId: string): Promise<string[]> {
  const rows = await db.membership.findMany({
    where: { userId },
    select: { providerId: true },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((row) => row.providerId);
}

export function countMemberships(db: DbClient, userId: string) {
  return db.membership.count({ where: { userId } });
}

/** Ends every session of a user at once (the session store keeps the user's id in the session). */
export async function endSessionsOf(db: DbClient, userId: string): Promise<number> {
  return db.$executeRaw`DELETE FROM user_sessions WHERE sess->>'userId' = ${userId}`;
}
