import type { UserRole } from '../generated/prisma/enums.js';

/** The signed-in user as route handlers, services and views see it. */
export interface CurrentUser {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  /** Providers a provider's person belongs to, as lead or contributor (empty for staff roles). */
  providerIds: string[];
  /** Of those, the providers they lead (submit returns, manage contributors). */
  leadProviderIds: string[];
}
