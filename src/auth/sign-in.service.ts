import { recordAudit } from '../audit/audit.js';
import type { EntraSettings } from '../config.js';
import type { Db } from '../db/prisma.js';
import type { UserRole } from '../generated/prisma/enums.js';
import { auditRefusedLink, checkLink } from './email-link.service.js';
import { linkToken } from './email-links.js';
import type { EntraIdentity } from './entra/entra-strategy.js';
import {
  bindEntraIdentity,
  createUserFromEntra,
  emailTakenByOther,
  expireUnusedEmailLinks,
  findUnboundStaffByEmail,
  findUserByEntraIdentity,
  markEmailLinkUsed,
  recordSignIn,
  setUserRole,
  updateUserEmail,
} from './queries.js';

// Entra app roles (the `roles` claim) to staff roles, strongest first: a person with two gets the first.
const ENTRA_APP_ROLES: readonly (readonly [string, UserRole])[] = [
  ['Admin', 'admin'],
  ['ContractManager', 'contract_manager'],
  ['Viewer', 'viewer'],
];

export type SignInRefusal =
  | 'wrong_tenant'
  | 'no_access'
  | 'deactivated'
  /** The invitation link this browser opened was used or ran out before the sign-in finished. */
  | 'invitation_unusable'
  /** The Microsoft account already belongs to another user of the service. */
  | 'identity_in_use';

export type SignInOutcome = { ok: true; userId: string } | { ok: false; reason: SignInRefusal };

export function staffRoleFrom(roles: readonly string[]): UserRole | undefined {
  return ENTRA_APP_ROLES.find(([appRole]) => roles.includes(appRole))?.[1];
}

export interface EntraSignInDeps {
  prisma: Db;
  settings: EntraSettings;
  sessionSecret: string;
  now: Date;
}

/**
 * Decides who a verified Entra identity is in this service. A person is their tenant and object id
 * (`tid` + `oid`), never an email claim: another tenant, or a guest account, can put any address in
 * a token. Staff roles come from the commissioner's own tenant's app roles, read at every sign-in;
 * anyone else gets in only as a provider's person bound to this identity, which happens once, when
 * they sign in after opening the invitation link sent to the invited mailbox (`invitationLinkId`,
 * kept in their session by the invitation page). A staff role that goes leaves their provider
 * memberships as they were: they are a provider's person again.
 */
export async function signInWithEntra(
  deps: EntraSignInDeps,
  identity: EntraIdentity,
  invitationLinkId: string | undefined,
): Promise<SignInOutcome> {
  const { settings, now } = deps;
  const home = identity.tenantId === settings.tenantId;
  if (!home && !settings.allowedTenants.some((tenant) => tenant.id === identity.tenantId)) {
    return { ok: false, reason: 'wrong_tenant' };
  }
  // Another tenant's administrators can give their own users any app role: only ours count.
  const staffRole = home ? staffRoleFrom(identity.roles) : undefined;

  return deps.prisma.$transaction(async (tx) => {
    let user = await findUserByEntraIdentity(tx, identity, settings.tenantId);
    if (user && invitationLinkId) return { ok: false, reason: 'identity_in_use' } as const;
    if (user?.entraTenantId === null) await bindEntraIdentity(tx, user.id, identity);

    if (!user && invitationLinkId) {
      const token = linkToken(deps.sessionSecret, invitationLinkId);
      const check = await checkLink(tx, token, 'invitation', now);
      const invited = check.ok ? check.link.user : undefined;
      const claimable = invited?.signInMethod === 'microsoft' && invited.entraObjectId === null;
      if (!claimable || !(await markEmailLinkUsed(tx, invitationLinkId, now))) {
        await auditRefusedLink(tx, token, 'invitation', check.ok ? 'used' : check.problem, check.link);
        return { ok: false, reason: 'invitation_unusable' } as const;
      }
      await expireUnusedEmailLinks(tx, invited.id, now, 'invitation');
      await bindEntraIdentity(tx, invited.id, identity);
      await recordAudit(tx, {
        actorId: invited.id,
        action: 'email_link.used',
        entityType: 'email_link',
        entityId: invitationLinkId,
        after: { purpose: 'invitation', userId: invited.id },
      });
      await recordAudit(tx, {
        actorId: invited.id,
        action: 'user.bound_to_entra',
        entityType: 'user',
        entityId: invited.id,
        before: { entraTenantId: null, entraObjectId: null },
        after: { entraTenantId: identity.tenantId, entraObjectId: identity.objectId },
      });
      user = await findUserByEntraIdentity(tx, identity, settings.tenantId);
    }

    // A member of staff recorded before their first sign-in (the demo data, a contract manager named
    // in an import) is matched by address, but only for a staff role from the board's own tenant:
    // that tenant vouches for its own users' addresses, and such a row is never a provider's person.
    const unboundStaff = !user && staffRole ? await findUnboundStaffByEmail(tx, identity.email) : null;
    if (unboundStaff) {
      await bindEntraIdentity(tx, unboundStaff.id, identity);
      await recordAudit(tx, {
        actorId: unboundStaff.id,
        action: 'user.bound_to_entra',
        entityType: 'user',
        entityId: unboundStaff.id,
        before: { entraTenantId: null, entraObjectId: null },
        after: { entraTenantId: identity.tenantId, entraObjectId: identity.objectId, by: 'staff_role' },
      });
      user = unboundStaff;
    }

    if (!user) {
      if (!staffRole || (await emailTakenByOther(tx, identity.email, null))) {
        return { ok: false, reason: 'no_access' } as const;
      }
      user = await createUserFromEntra(tx, {
        entraTenantId: identity.tenantId,
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
        after: { email: user.email, role: user.role, entraTenantId: identity.tenantId },
      });
    }
    if (!user.active) return { ok: false, reason: 'deactivated' } as const;

    // Their address changed in Entra (same tenant and object id): emails now go to the new one,
    // unless another user of the service has it.
    if (identity.email !== user.email && !(await emailTakenByOther(tx, identity.email, user.id))) {
      await updateUserEmail(tx, user.id, identity.email);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'user.email_from_entra',
        entityType: 'user',
        entityId: user.id,
        before: { email: user.email },
        after: { email: identity.email },
      });
    }

    const role = staffRole ?? (user.memberships.length > 0 ? 'provider_lead' : undefined);
    // Staff whose app role was removed, and provider people who belong to no provider, have no access.
    if (!role) return { ok: false, reason: 'no_access' } as const;
    if (role !== user.role) {
      await setUserRole(tx, user.id, role);
      await recordAudit(tx, {
        actorId: user.id,
        action: 'user.role_from_entra',
        entityType: 'user',
        entityId: user.id,
        before: { role: user.role },
        after: { role },
      });
    }

    await recordSignIn(tx, user.id, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'user.signed_in',
      entityType: 'user',
      entityId: user.id,
      after: { method: 'entra', tenantId: identity.tenantId },
    });
    return { ok: true, userId: user.id } as const;
  });
}
