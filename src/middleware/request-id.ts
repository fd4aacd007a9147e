import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from '../logger.js';
import { paths } from '../paths.js';
import { requestContext } from '../request-context.js';

// A caller's id is kept only when it looks like an id, so logs cannot be forged through the header.
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,100}$/;
// Probes hit these every few seconds; logging them would drown everything else.
const QUIET_PATHS = new Set<string>([paths.health.live, paths.health.ready]);

/**
 * Gives every request an id (X-Request-Id or a new one), echoes it, runs the rest of the request
 * in its context (so every log line carries it) and logs one line when the response is finished.
 */
export function setUpRequestId(app: Express, logger: Logger): void {
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    const started = performance.now();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    if (!QUIET_PATHS.has(req.path)) {
      res.once('finish', () => {
        logger.info(
          {
            requestId,
            method: req.method,
            path: req.path,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'request completed',
        );
      });
    }
    requestContext.run({ requestId }, next);
  });
}
