import { Router } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { paths } from '../paths.js';
import { commissionerCounts, providerNames } from './queries.js';

export function homeRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get(paths.home, requireSignIn, async (_req, res) => {
    const user = res.locals.currentUser;
    if (user?.role === 'provider_lead') {
      res.render('home/index', { providerNames: await providerNames(deps.prisma, user.providerIds) });
      return;
    }
    res.render('home/index', { counts: await commissionerCounts(deps.prisma, deps.clock()) });
  });
  return router;
}
