import { Router } from 'express';
import type { Db } from '../db/prisma.js';
import { paths } from '../paths.js';

/** Probes for the load balancer: mounted before sessions, so they never create one. */
export function healthRoutes(prisma: Db): Router {
  const router = Router();
  router.get(paths.health.live, (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get(paths.health.ready, async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await prisma.$queryRaw`SELECT 1`;
      res.json({ status: 'ok', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });
  return router;
}
