import { Router } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { renderMatrix } from '../matrix/matrix.routes.js';
import { paths } from '../paths.js';
import { leadWork } from './lead-work.js';
import { providerNames } from './queries.js';

// Provider leads land on their providers; staff (admin, contract manager, viewer) on the compliance matrix.
export function homeRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get(paths.home, requireSignIn, async (req, res) => {
    const user = res.locals.currentUser;
    if (user?.role === 'provider_lead') {
      res.render('home/index', {
        providerNames: await providerNames(deps.prisma, user.providerIds),
        leadWork: await leadWork(deps, user, deps.clock()),
      });
      return;
    }
    await renderMatrix(deps, req, res);
  });
  return router;
}
