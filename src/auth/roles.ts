import type { MembershipRole, UserRole } from '../generated/prisma/enums.js';

// `provider_lead` is everyone on the provider side: whether they lead or contribute is per provider
// (MembershipRole).
export const ROLE_LABELS: Record<UserRole, string> = {
  admin: 'Administrator',
  contract_manager: 'Contract manager',
  viewer: 'Viewer',
  provider_lead: 'Provider lead or contributor',
};

export const MEMBERSHIP_ROLE_LABELS: Record<MembershipRole, string> = {
  lead: 'Provider lead',
  contributor: 'Contributor',
};

export const STAFF_ROLES: readonly UserRole[] = ['admin', 'contract_manager', 'viewer'];
