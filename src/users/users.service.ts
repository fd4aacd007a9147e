import { recordAudit } from '../audit/audit.js';
import { assertAdmin, assertCanInviteLeads } from '../auth/access.js';
import { STAFF_ROLES } from '../auth/roles.js';
import type { Db } from '../db/prisma.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import type { SignInMethod, UserRole } from '../generated/prisma/enums.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  activeProvider,
  endAccess,
  invitePerson,
  type InviteOutcome,
  type PeopleDeps,
} from '../people/people.service.js';
import { createMembership, deleteMembership } from '../people/queries.js';
import { findUser, listActiveProviders, listUsers, updateUser } from './queries.js';
import type { InviteInput } from './schemas.js';

// User administration. Every change is checked here (whichever route reaches it) and audited in
// the same transaction as the change, with what it was before and after.

export function userList(prisma: Db, actor: CurrentUser) {
  assertAdmin(actor);
  return listUsers(prisma);
}

export async function userDetails(prisma: Db, actor: CurrentUser, userId: string) {
  assertAdmin(actor);
  const user = await findUser(prisma, userId);
  if (!user) throw new NotFound();
  return user;
}

/** The providers an invitation or a new membership may name. */
export function providerChoices(prisma: Db, actor: CurrentUser) {
  assertCanInviteLeads(actor);
  return listActiveProviders(prisma);
}

/**
 * Invites a provider lead (the Users page's invitation, and the register import's): see invitePerson.
 * How they sign in defaults to a Microsoft account.
 */
export async function inviteProviderLead(
  deps: PeopleDeps,
  actor: CurrentUser,
  input: Omit<InviteInput, 'signInMethod'> & { signInMethod?: SignInMethod },
): Promise<InviteOutcome> {
  assertCanInviteLeads(actor);
  return invitePerson(deps, actor, {
    ...input,
    role: 'lead',
    signInMethod: input.signInMethod ?? 'microsoft',
  });
}

export async function addMembership(prisma: Db, actor: CurrentUser, userId: string, providerId: string) {
  assertAdmin(actor);
  await prisma.$transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new NotFound();
    if (user.role !== 'provider_lead') {
      throw new ValidationFailed({
        providerId: 'Only provider leads belong to providers: change their role to provider lead first',
      });
    }
    const provider = await activeProvider(tx, providerId);
    const before = providerIdsOf(user);
    if (before.includes(provider.id)) {
      throw new ValidationFailed({
        providerId: `${user.displayName} already has access to ${provider.name}`,
      });
    }
    await createMembership(tx, user.id, provider.id, 'lead');
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'user.membership_added',
      entityType: 'user',
      entityId: user.id,
      before: { providerIds: before },
      after: { providerIds: [...before, provider.id] },
    });
  });
}

/**
 * Takes someone off a provider (their sessions end at once); false when they did not belong to it
 * (nothing to do).
 */
export async function removeMembership(
  prisma: Db,
  actor: CurrentUser,
  userId: string,
  providerId: string,
  now: Date,
): Promise<boolean> {
  assertAdmin(actor);
  return prisma.$transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new NotFound();
    const before = providerIdsOf(user);
    if (!(await deleteMembership(tx, userId, providerId))) return false;
    await endAccess(tx, userId, now);
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'user.membership_removed',
      entityType: 'user',
      entityId: userId,
      before: { providerIds: before },
      after: { providerIds: before.filter((id) => id !== providerId) },
    });
    return true;
  });
}

/**
 * Changes the stored role. For staff, Entra's app roles replace it at their next sign-in; a lead
 * still belonging to providers must be taken off them before becoming staff (nothing is removed
 * behind the administrator's back). Nobody changes their own role.
 */
export async function changeRole(prisma: Db, actor: CurrentUser, userId: string, role: UserRole) {
  assertAdmin(actor);
  if (userId === actor.id) {
    throw new ValidationFailed({ role: 'You cannot change your own role: ask another administrator' });
  }
  await prisma.$transaction(async (tx) => {
    const before = await findUser(tx, userId);
    if (!before) throw new NotFound();
    if (before.role === role) return;
    if (STAFF_ROLES.includes(role) && before.memberships.length > 0) {
      throw new ValidationFailed({
        role: `Remove ${before.displayName} from their providers before giving them a staff role`,
      });
    }
    await updateUser(tx, userId, { role });
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'user.role_changed',
      entityType: 'user',
      entityId: userId,
      before: { role: before.role },
      after: { role },
    });
  });
}

/** A deactivated user cannot sign in, and is signed out on their next request. */
export async function setUserActive(prisma: Db, actor: CurrentUser, userId: string, active: boolean) {
  assertAdmin(actor);
  if (!active && userId === actor.id) {
    throw new Conflict('You cannot deactivate your own account: ask another administrator');
  }
  await prisma.$transaction(async (tx) => {
    const before = await findUser(tx, userId);
    if (!before) throw new NotFound();
    if (before.active === active) return;
    await updateUser(tx, userId, { active });
    await recordAudit(tx, {
      actorId: actor.id,
      action: active ? 'user.reactivated' : 'user.deactivated',
      entityType: 'user',
      entityId: userId,
      before: { active: before.active },
      after: { active },
    });
  });
}

type UserRow = NonNullable<Awaited<ReturnType<typeof findUser>>>;

function providerIdsOf(user: UserRow): string[] {
  return user.memberships.map((membership) => membership.provider.id);
}
