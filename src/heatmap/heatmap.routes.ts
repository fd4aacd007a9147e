import { Router } from 'express';
import { z } from 'zod';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { paths } from '../paths.js';
import { staffOnly } from '../route-helpers.js';
import { getHeatMap } from './heatmap.service.js';

// A choice that is not a UUID cannot name a row: it falls back to the default, like no choice.
const choiceSchema = z.object({
  period: z.uuid().optional().catch(undefined),
  standard: z.uuid().optional().catch(undefined),
  // The checkbox's one value; anything else (or nothing) is the default: submitted returns only.
  inProgress: z.literal('yes').optional().catch(undefined),
});

export function heatmapRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.heatmap, requireSignIn, staffOnly, async (req, res) => {
    const choice = choiceSchema.parse(req.query);
    const page = await getHeatMap(deps.prisma, {
      periodId: choice.period,
      versionId: choice.standard,
      includeInProgress: choice.inProgress === 'yes',
    });
    res.render('heatmap/show', { heatmap: page });
  });

  return router;
}
