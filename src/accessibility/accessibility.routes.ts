import { Router } from 'express';
import type { Config } from '../config.js';
import { paths } from '../paths.js';

export function accessibilityRoutes(config: Config): Router {
  const router = Router();
  router.get(paths.accessibility, (_req, res) => {
    res.render('accessibility/statement', { organisationName: config.organisationName });
  });
  return router;
}
