import { Router } from 'express';
import type { Db } from '../db/prisma.js';
import type { VirusScanner } from '../evidence/virus-scanner.js';
import { paths } from '../paths.js';

/**
 * Probes for the load balancer: mounted before sessions, so they never create one. Readiness needs the
 * database; the virus scanner is reported but never fails it: without a scanner, uploads are kept and
 * wait for a scan, and everything else works.
 */
export function healthRoutes(prisma: Db, scanner: VirusScanner): Router {
  const router = Router();
  router.get(paths.health.live, (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get(paths.health.ready, async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    const [database, scannerState] = await Promise.all([
      prisma.$queryRaw`SELECT 1`.then(
        () => 'ok' as const,
        () => 'unreachable' as const,
      ),
      scanner.state(),
    ]);
    if (database === 'ok') res.json({ status: 'ok', database, scanner: scannerState });
    else res.status(503).json({ status: 'unavailable', database, scanner: scannerState });
  });
  return router;
}
