import type { Db, DbClient, Prisma } from '../db/prisma.js';
import type { UserRole } from '../generated/prisma/enums.js';
import { STAFF_ROLES } from './roles.js';

const userWithProviders = {
  id: true,
  email: true,
  displayName: true,
  role: true,
  active: true,
  signInMethod: true,
  memberships: {
    select: { providerId: true, role: true, provider: { select: { name: true } } },
    orderBy: { provider: { name: 'asc' } },
  },
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

/**
 * The user an Entra identity (tenant + object id) is bound to. A row bound before tenants were
 * recorded has none: it can only be the commissioner's own tenant's (the only one allowed then).
 */
export function findUserByEntraIdentity(
  db: DbClient,
  identity: { tenantId: string; objectId: string },
  homeTenantId: string,
) {
  const tenants = identity.tenantId === homeTenantId ? [identity.tenantId, null] : [identity.tenantId];
  return db.user.findFirst({
    where: {
      entraObjectId: identity.objectId,
      OR: tenants.map((entraTenantId) => ({ entraTenantId })),
    },
    include: userWithMemberships,
  });
}

/** A staff user not bound to any Entra identity yet, by address (compared without case). */
export function findUnboundStaffByEmail(db: DbClient, email: string) {
  return db.user.findFirst({
    where: {
      email: { equals: email, mode: 'insensitive' },
      entraObjectId: null,
      role: { in: [...STAFF_ROLES] },
    },
    include: userWithMemberships,
  });
}

export function bindEntraIdentity(
  db: DbClient,
  userId: string,
  identity: { tenantId: string; objectId: string },
) {
  return db.user.update({
    where: { id: userId },
    data: { entraTenantId: identity.tenantId, entraObjectId: identity.objectId },
  });
}

export function createUserFromEntra(
  db: DbClient,
  data: { entraTenantId: string; entraObjectId: string; email: string; displayName: string; role: UserRole },
) {
  return db.user.create({ data, include: userWithMemberships });
}

/** Whether another user has this address (emails are unique, compared without case). */
export async function emailTakenByOther(
  db: DbClient,
  email: string,
  userId: string | null,
): Promise<boolean> {
  const other = await db.user.findFirst({
    where: { email: { equals: email, mode: 'insensitive' }, ...(userId ? { NOT: { id: userId } } : {}) },
    select: { id: true },
  });
  return other !== null;
}

export function updateUserEmail(db: DbClient, userId: string, email: string) {
  return db.user.update({ where: { id: userId }, data: { email } });
}

export function setUserRole(db: DbClient, userId: string, role: UserRole) {
  return db.user.update({ where: { id: userId }, data: { role } });
}

// ---------------------------------------------------------------------------------------------
// Email links (src/auth/email-links.ts)

export function createEmailLink(db: DbClient, data: Prisma.EmailLinkUncheckedCreateInput) {
  return db.emailLink.create({ data, select: { id: true } });
}

const linkFields = {
  id: true,
  purpose: true,
  userId: true,
  expiresAt: true,
  usedAt: true,
  user: {
    select: {
      id: true,
      email: true,
      displayName: true,
      role: true,
      active: true,
      signInMethod: true,
      entraObjectId: true,
      memberships: {
        select: { role: true, provider: { select: { name: true } } },
        orderBy: { provider: { name: 'asc' } },
      },
    },
  },
} as const;

export function findEmailLinkByDigest(db: DbClient, tokenSha256: string) {
  return db.emailLink.findUnique({ where: { tokenSha256 }, select: linkFields });
}

/** Uses a link once: false when it was used (or ran out) meanwhile, whoever got there first. */
export async function markEmailLinkUsed(db: DbClient, id: string, now: Date): Promise<boolean> {
  const updated = await db.emailLink.updateMany({
    where: { id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  return updated.count === 1;
}

/** Links not used yet stop working (a new invitation replaces the old; a removed person's go). */
export async function expireUnusedEmailLinks(
  db: DbClient,
  userId: string,
  now: Date,
  purpose?: 'invitation' | 'sign_in',
): Promise<void> {
  await db.emailLink.updateMany({
    where: { userId, usedAt: null, expiresAt: { gt: now }, ...(purpose ? { purpose } : {}) },
    data: { expiresAt: now },
  });
}

/** The provider's person who may be sent a sign-in link at this address, if there is one. */
export function findEmailSignInUser(db: DbClient, email: string) {
  return db.user.findFirst({
    where: {
      email: { equals: email, mode: 'insensitive' },
      active: true,
      role: 'provider_lead',
      signInMethod: 'email_link',
      memberships: { some: {} },
    },
    select: { id: true, email: true, displayName: true },
  });
}
