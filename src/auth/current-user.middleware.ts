import type { Express, RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { Forbidden } from '../errors.js';
import type { UserRole } from '../generated/prisma/enums.js';
import { paths } from '../paths.js';
import type { CurrentUser } from './current-user.js';
import type { NavigationItem } from '../view-locals.js';
import { findUserWithProviders } from './queries.js';
import { redirectWithSession, regenerateSession } from './session.js';
import { permissionsFor } from './access.js';

/**
 * Loads the signed-in user on every request. A user deactivated since signing in loses the
 * session at once, on their next request.
 */
export function setUpCurrentUser(app: Express, deps: AppDeps): void {
  app.use(async (req, res, next) => {
    res.locals.currentUser = undefined;
    const userId = req.session.userId;
    const signedInAt = req.session.signedInAt ?? 0;
    if (userId && deps.clock().getTime() - signedInAt > deps.config.session.absoluteHours * 3_600_000) {
      deps.logger.info({ userId }, 'session reached its absolute time-out');
      await regenerateSession(req);
    } else if (userId) {
      const user = await findUserWithProviders(deps.prisma, userId);
      if (user?.active) {
        // Staff keep their memberships (for when their staff role goes) but act as staff meanwhile.
        const memberships = user.role === 'provider_lead' ? user.memberships : [];
        res.locals.currentUser = {
          id: user.id,
          email: user.email,
          displayName: user.displayName,
          role: user.role,
          providerIds: memberships.map((membership) => membership.providerId),
          leadProviderIds: memberships
            .filter((membership) => membership.role === 'lead')
            .map((membership) => membership.providerId),
        };
      } else {
        deps.logger.info({ userId }, 'signed-in user no longer active: session ended');
        await regenerateSession(req);
      }
    }
    res.locals.can = permissionsFor(res.locals.currentUser);
    res.locals.navigation = navigationFor(res.locals.currentUser, req.path);
    next();
  });
}

// Each feature adds its entry here with the roles that may use it.
const NAVIGATION: { text: string; href: string; roles: readonly UserRole[] }[] = [
  { text: 'Home', href: paths.home, roles: ['admin', 'contract_manager', 'viewer', 'provider_lead'] },
  { text: 'Providers', href: paths.providers.list, roles: ['admin', 'contract_manager', 'viewer'] },
  { text: 'Reporting periods', href: paths.periods.list, roles: ['admin', 'contract_manager', 'viewer'] },
  {
    text: 'Returns',
    href: paths.returns.list,
    roles: ['admin', 'contract_manager', 'viewer', 'provider_lead'],
  },
  { text: 'Review', href: paths.review.queue, roles: ['admin', 'contract_manager'] },
  {
    text: 'Actions',
    href: paths.actions.list,
    roles: ['admin', 'contract_manager', 'viewer', 'provider_lead'],
  },
  { text: 'Heat map', href: paths.heatmap, roles: ['admin', 'contract_manager', 'viewer'] },
  { text: 'Trends', href: paths.trends, roles: ['admin', 'contract_manager', 'viewer', 'provider_lead'] },
  { text: 'Exports', href: paths.exports.index, roles: ['admin', 'contract_manager', 'viewer'] },
  { text: 'Contract review pack', href: paths.exports.packChoose, roles: ['provider_lead'] },
  {
    text: 'Equality publications',
    href: paths.publications.overview,
    roles: ['admin', 'contract_manager', 'viewer', 'provider_lead'],
  },
  { text: 'People', href: paths.people.mine, roles: ['provider_lead'] },
  { text: 'Email outbox', href: paths.outbox.list, roles: ['admin', 'contract_manager'] },
  { text: 'Users', href: paths.users.list, roles: ['admin'] },
];

function navigationFor(user: CurrentUser | undefined, currentPath: string): NavigationItem[] {
  if (!user) return [];
  return NAVIGATION.filter((item) => item.roles.includes(user.role)).map(({ text, href }) => ({
    text,
    href,
    current: href === currentPath,
  }));
}

/** Anonymous visitors go to sign-in and come back to the page they asked for. */
export const requireSignIn: RequestHandler = (req, res, next) => {
  if (res.locals.currentUser) {
    next();
    return;
  }
  if (req.method !== 'GET') {
    res.redirect(paths.signIn);
    return;
  }
  req.session.returnTo = req.originalUrl;
  redirectWithSession(req, res, paths.signIn).catch(next);
};

export function requireRole(...roles: UserRole[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.currentUser;
    if (!user) {
      res.redirect(paths.signIn);
      return;
    }
    if (!roles.includes(user.role)) throw new Forbidden();
    next();
  };
}
