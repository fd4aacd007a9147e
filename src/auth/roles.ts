import type { UserRole } from '../generated/prisma/enums.js';

export const ROLE_LABELS: Record<UserRole, string> = {
  admin: 'Administrator',
  contract_manager: 'Contract manager',
  viewer: 'Viewer',
  provider_lead: 'Provider lead',
};

export const STAFF_ROLES: readonly UserRole[] = ['admin', 'contract_manager', 'viewer'];
