import { Forbidden, NotFound } from '../errors.js';
import type { UserRole } from '../generated/prisma/enums.js';
import type { CurrentUser } from './current-user.js';
import { STAFF_ROLES } from './roles.js';

// Who may do what, in one place. Services call these before reading or changing anything, so a rule
// holds whichever route (or job) reaches the service.

/** Staff see every provider; a provider's people only the providers they belong to. */
export function providerScope(user: CurrentUser): { in: string[] } | undefined {
  return user.role === 'provider_lead' ? { in: user.providerIds } : undefined;
}

export function canSeeProvider(user: CurrentUser, providerId: string): boolean {
  return user.role !== 'provider_lead' || user.providerIds.includes(providerId);
}

/**
 * Refuses another provider's data as "not found": a lead learns nothing about other providers,
 * not even that an id exists.
 */
export function assertCanSeeProvider(user: CurrentUser, providerId: string): void {
  if (!canSeeProvider(user, providerId)) throw new NotFound();
}

/** The provider's own people (leads and contributors) answer its returns and upload its evidence. */
export function canEditForProvider(user: CurrentUser, providerId: string): boolean {
  return user.role === 'provider_lead' && user.providerIds.includes(providerId);
}

export function assertCanEditForProvider(user: CurrentUser, providerId: string): void {
  assertCanSeeProvider(user, providerId);
  if (!canEditForProvider(user, providerId))
    throw new Forbidden('Only the provider’s own people can change its return');
}

export function isLeadOf(user: CurrentUser, providerId: string): boolean {
  return user.role === 'provider_lead' && user.leadProviderIds.includes(providerId);
}

/** Submitting, with the declaration, is for the provider's leads; contributors answer and upload only. */
export function assertCanSubmitForProvider(user: CurrentUser, providerId: string): void {
  assertCanEditForProvider(user, providerId);
  if (!isLeadOf(user, providerId))
    throw new Forbidden('Only a lead of the provider can submit its return: ask your lead to submit it');
}

/** Which of a provider's people the user may invite and remove: everyone, contributors, or nobody. */
export function peopleManagedBy(user: CurrentUser, providerId: string): 'everyone' | 'contributors' | 'none' {
  if (isCommissionerEditor(user)) return 'everyone';
  return isLeadOf(user, providerId) ? 'contributors' : 'none';
}

/**
 * Inviting or removing one of a provider's people in this role (who may see the provider's people at
 * all: assertCanSeeProvider; another provider's person is told it does not exist).
 */
export function assertCanManagePerson(
  user: CurrentUser,
  providerId: string,
  role: 'lead' | 'contributor',
): void {
  assertCanSeeProvider(user, providerId);
  const managed = peopleManagedBy(user, providerId);
  if (managed === 'none' || (managed === 'contributors' && role !== 'contributor')) {
    throw new Forbidden(
      managed === 'contributors'
        ? 'Only the integrated care board can invite or remove provider leads'
        : 'You cannot change who has access to this provider',
    );
  }
}

const COMMISSIONER_EDITORS: readonly UserRole[] = ['admin', 'contract_manager'];

/** Register, periods, extensions and reviews: administrators and contract managers. */
export function assertCommissionerEditor(user: CurrentUser): void {
  if (!COMMISSIONER_EDITORS.includes(user.role)) throw new Forbidden();
}

export function isCommissionerEditor(user: CurrentUser): boolean {
  return COMMISSIONER_EDITORS.includes(user.role);
}

/** User administration (roles, memberships, deactivation): administrators only. */
export function assertAdmin(user: CurrentUser): void {
  if (user.role !== 'admin') throw new Forbidden();
}

/** Inviting provider leads: administrators and contract managers (the issue: "invited by a contract manager"). */
export function assertCanInviteLeads(user: CurrentUser): void {
  assertCommissionerEditor(user);
}

/** What a visitor may do, for pages to offer only that (the services check again whatever is posted). */
export interface Permissions {
  readRegister: boolean;
  /** Register, periods, extensions and reviews. */
  editRegister: boolean;
  administerUsers: boolean;
  /** Hashes and other technical details (staff, under "Technical details"; never provider people). */
  seeTechnicalDetails: boolean;
}

export function permissionsFor(user: CurrentUser | undefined): Permissions {
  return {
    readRegister: user !== undefined && STAFF_ROLES.includes(user.role),
    editRegister: user !== undefined && isCommissionerEditor(user),
    administerUsers: user?.role === 'admin',
    seeTechnicalDetails: user !== undefined && STAFF_ROLES.includes(user.role),
  };
}

/**
 * The register, its contracts and the reporting periods are the commissioner's own records: staff
 * read them, provider leads never (they see their providers' returns instead).
 */
export function assertCanReadRegister(user: CurrentUser): void {
  if (!STAFF_ROLES.includes(user.role)) throw new Forbidden();
}
