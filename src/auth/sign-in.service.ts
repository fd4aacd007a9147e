import { recordAudit } from '../audit/audit.js';
import type { EntraSettings } from '../config.js';
import type { Db } from '../db/prisma.js';
import type { UserRole } from '../generated/prisma/enums.js';
import type { EntraIdentity } from './entra/entra-strategy.js';
import {
  bindEntraObjectId,
  createUserFromEntra,
  findUserForEntra,
  recordSignIn,
  setUserRole,
} from './queries.js';
import { STAFF_ROLES } from './roles.js';

// Entra app roles (the `roles` claim) to staff roles, strongest first: a person with two gets the first.
const ENTRA_APP_ROLES: readonly (readonly [string, UserRole])[] = [
  ['Admin', 'admin'],
  ['ContractManager', 'contract_manager'],
  ['Viewer', 'viewer'],
];

export type SignInOutcome =
  { ok: true; userId: string } | { ok: false; reason: 'wrong_tenant' | 'no_access' | 'deactivated' };

export function staffRoleFrom(roles: readonly string[]): UserRole | undefined {
  return ENTRA_APP_ROLES.find(([appRole]) => roles.includes(appRole))?.[1];
}

/**
 * Decides who an Entra identity is in this service. Staff roles come from Entra (the app roles in
 * the token are the truth, every sign-in). Provider leads are invited by email and bound to their
 * Entra object id on first sign-in; after that the object id, not the email, identifies them.
 */
export async function signInWithEntra(
  prisma: Db,
  identity: EntraIdentity,
  settings: EntraSettings,
  now: Date,
): Promise<SignInOutcome> {
  if (identity.tenantId !== settings.tenantId) return { ok: false, reason: 'wrong_tenant' };
  const staffRole = staffRoleFrom(identity.roles);

  return prisma.$transaction(async (tx) => {
    let user = await findUserForEntra(tx, identity.objectId, identity.email);

    if (!user) {
      if (!staffRole) return { ok: false, reason: 'no_access' } as const;
      user = await createUserFromEntra(tx, {
        entraObjectId: identity.objectId,
        email: identity.email,
        displayName: identity.displayName,
        role: staffRole,
      });
      await recordAudit(tx, {
        actorId: user.id,
        action: 'user.created_from_entra',
        entityType: 'user',
        entityId: user.id,
        after: { email: user.email, role: user.role },
      });
    } else if (user.entraObjectId === null) {
      await bindEntraObjectId(tx, user.id, identity.objectId);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'user.bound_to_entra',
        entityType: 'user',
        entityId: user.id,
        before: { entraObjectId: null },
        after: { entraObjectId: identity.objectId },
      });
    }

    if (!user.active) return { ok: false, reason: 'deactivated' } as const;
    if (staffRole && staffRole !== user.role) {
      await setUserRole(tx, user.id, staffRole);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'user.role_from_entra',
        entityType: 'user',
        entityId: user.id,
        before: { role: user.role },
        after: { role: staffRole },
      });
    } else if (!staffRole && (STAFF_ROLES.includes(user.role) || user.memberships.length === 0)) {
      // Staff whose Entra role was removed, and leads with no provider, have no access.
      return { ok: false, reason: 'no_access' } as const;
    }

    await recordSignIn(tx, user.id, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'user.signed_in',
      entityType: 'user',
      entityId: user.id,
      after: { method: 'entra' },
    });
    return { ok: true, userId: user.id } as const;
  });
}
