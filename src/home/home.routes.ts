import { Router } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { matrixLocalsFor, sendWithTable } from '../matrix/matrix.routes.js';
import { paths } from '../paths.js';
import { leadWork } from './lead-work.js';
import { signedInUser } from '../route-helpers.js';
import { attentionItems } from './attention.js';
import { providerNames } from './queries.js';

// Provider leads land on their providers; staff (admin, contract manager, viewer) on what needs
// attention and the compliance matrix.
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
    // Staff: what needs attention across every period, then the compliance matrix.
    const [attention, matrix] = await Promise.all([
      attentionItems(deps.prisma, signedInUser(res), deps.clock()),
      matrixLocalsFor(deps, req, res),
    ]);
    await sendWithTable(res, 'home/index', { attention, matrix }, matrix.table);
  });
  return router;
}
