import type { CurrentUser } from './auth/current-user.js';
import type { Paths, pathTo, withService } from './paths.js';
import type { ViewFormat } from './view-format.js';
import { type Permissions } from './auth/access.js';

export const SERVICE_NAME = 'Accessible information and equality compliance';

export interface NavigationItem {
  text: string;
  href: string;
  current: boolean;
}

/** What every view can rely on in `res.locals`. */
export interface ViewLocals {
  paths: Paths;
  pathTo: typeof pathTo;
  withService: typeof withService;
  serviceName: string;
  /** Version of nhsuk-frontend: its compiled CSS and JS file names carry it. */
  nhsukVersion: string;
  /** How views write dates, sizes, counts and lists (src/view-format.ts). */
  format: ViewFormat;
  cspNonce: string;
  /**
   * The session's CSRF token, made when a page first asks for it: a page without a form leaves a
   * visitor who is not signed in without a session (and the database without a row for them).
   */
  csrfToken: () => string;
  requestId: string;
  currentUser: CurrentUser | undefined;
  /** What the current user may do (src/auth/access.ts): views offer only that. */
  can: Permissions;
  navigation: NavigationItem[];
}

declare module 'express-serve-static-core' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges ViewLocals into Express's Locals
  interface Locals extends ViewLocals {}
}
