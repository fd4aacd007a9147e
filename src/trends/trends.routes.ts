import { Router } from 'express';
import { z } from 'zod';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser, staffOnly } from '../route-helpers.js';
import { listProvidersByIds } from './queries.js';
import { getProviderTrends, getTrends } from './trends.service.js';

// No provider (or one that is not a UUID) means all providers.
const choiceSchema = z.object({ provider: z.uuid().optional().catch(undefined) });

export function trendsRoutes(deps: AppDeps): Router {
  const router = Router();

  // Staff: every provider, or (the form, without JavaScript) the chosen provider's page.
  // A provider's people: their own provider's trends, or a choice when they have several.
  router.get(
    paths.trends,
    requireSignIn,
    async (req, res, next) => {
      const user = signedInUser(res);
      if (user.role === 'provider_lead') {
        const providers = await listProvidersByIds(deps.prisma, user.providerIds);
        const only = providers.length === 1 ? providers[0] : undefined;
        if (only) {
          res.redirect(pathTo(paths.providers.trends, { providerId: only.id }));
          return;
        }
        res.render('trends/choose', {
          providers: providers.map((provider) => ({
            name: provider.name,
            href: pathTo(paths.providers.trends, { providerId: provider.id }),
          })),
        });
        return;
      }
      staffOnly(req, res, next);
    },
    async (req, res) => {
      const choice = choiceSchema.parse(req.query);
      if (choice.provider) {
        res.redirect(pathTo(paths.providers.trends, { providerId: choice.provider }));
        return;
      }
      res.render('trends/show', { trends: await getTrends(deps) });
    },
  );

  router.get(paths.providers.trends, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    const trends = await getProviderTrends(deps, user, providerId);
    // Staff came from (and go back to) the provider's page; a provider's people have no such page.
    const backLink =
      user.role === 'provider_lead'
        ? undefined
        : {
            href: pathTo(paths.providers.show, { providerId }),
            text: `Back to ${trends.provider?.name ?? 'the provider'}`,
          };
    res.render('trends/show', { trends, backLink });
  });

  return router;
}
