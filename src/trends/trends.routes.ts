import { Router } from 'express';
import { z } from 'zod';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { paths } from '../paths.js';
import { staffOnly } from '../route-helpers.js';
import { getTrends } from './trends.service.js';

// No provider (or one that is not a UUID) means all providers.
const choiceSchema = z.object({ provider: z.uuid().optional().catch(undefined) });

export function trendsRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.trends, requireSignIn, staffOnly, async (req, res) => {
    const choice = choiceSchema.parse(req.query);
    res.render('trends/show', { trends: await getTrends(deps.prisma, choice.provider) });
  });

  return router;
}
