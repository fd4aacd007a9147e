import { recordAudit } from '../audit/audit.js';
import { assertAdmin, assertCanInviteLeads } from '../auth/access.js';
import { ROLE_LABELS, STAFF_ROLES } from '../auth/roles.js';
import type { Db, DbClient } from '../db/prisma.js';
import { withUniqueFieldError } from '../db/unique-violation.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import type { UserRole } from '../generated/prisma/enums.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  createInvitedLead,
  createMembership,
  deleteMembership,
  findProvider,
  findUser,
  findUserByEmail,
  listActiveProviders,
  listUsers,
  updateUser,
} from './queries.js';
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

export interface InviteOutcome {
  kind: 'invited' | 'membership_added';
  userId: string;
}

/**
 * Invites a provider lead: a new user (bound to their Entra object id at first sign-in, matched by
 * this email), or, for someone who is already a lead, one more provider. Staff are never leads.
 */
export async function inviteProviderLead(
  prisma: Db,
  actor: CurrentUser,
  input: InviteInput,
): Promise<InviteOutcome> {
  assertCanInviteLeads(actor);
  return withUniqueFieldError('email', `${input.email} has just been added by someone else`, () =>
    prisma.$transaction(async (tx) => {
      const provider = await activeProvider(tx, input.providerId);
      const existing = await findUserByEmail(tx, input.email);
      if (existing) {
        if (existing.role !== 'provider_lead') {
          throw new ValidationFailed({
            email: `${input.email} belongs to a member of staff (${ROLE_LABELS[existing.role]}). Staff get access through their Entra ID role and cannot be invited as provider leads`,
          });
        }
        await addProvider(tx, actor, existing, provider);
        return { kind: 'membership_added', userId: existing.id } as const;
      }
      const user = await createInvitedLead(tx, {
        email: input.email,
        displayName: input.displayName || input.email,
      });
      await createMembership(tx, user.id, provider.id);
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'user.invited',
        entityType: 'user',
        entityId: user.id,
        after: {
          email: input.email,
          displayName: input.displayName || input.email,
          role: 'provider_lead',
          providerIds: [provider.id],
        },
      });
      return { kind: 'invited', userId: user.id } as const;
    }),
  );
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
    await addProvider(tx, actor, user, await activeProvider(tx, providerId));
  });
}

/** Removes a lead from a provider; false when they were not a lead of it (nothing to do). */
export async function removeMembership(
  prisma: Db,
  actor: CurrentUser,
  userId: string,
  providerId: string,
): Promise<boolean> {
  assertAdmin(actor);
  return prisma.$transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new NotFound();
    const before = providerIdsOf(user);
    if (!(await deleteMembership(tx, userId, providerId))) return false;
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

async function activeProvider(tx: DbClient, providerId: string) {
  const provider = await findProvider(tx, providerId);
  if (!provider?.active) throw new ValidationFailed({ providerId: 'Select the provider' });
  return provider;
}

async function addProvider(
  tx: DbClient,
  actor: CurrentUser,
  user: UserRow,
  provider: { id: string; name: string },
): Promise<void> {
  const before = providerIdsOf(user);
  if (before.includes(provider.id)) {
    throw new ValidationFailed({
      providerId: `${user.displayName} is already a provider lead for ${provider.name}`,
    });
  }
  await createMembership(tx, user.id, provider.id);
  await recordAudit(tx, {
    actorId: actor.id,
    action: 'user.membership_added',
    entityType: 'user',
    entityId: user.id,
    before: { providerIds: before },
    after: { providerIds: [...before, provider.id] },
  });
}
