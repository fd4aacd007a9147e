import type { UserRole } from '../generated/prisma/enums.js';

/** The signed-in user as route handlers, services and views see it. */
export interface CurrentUser {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  /** Providers a provider lead belongs to (empty for staff roles). */
  providerIds: string[];
}
