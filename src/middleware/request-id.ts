import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { pinoHttp } from 'pino-http';
import { paths } from '../paths.js';
import type { Logger } from '../logger.js';
import { requestContext } from '../request-context.js';

// A caller's id is kept only when it looks like an id, so logs cannot be forged through the header.
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,100}$/;
const HEALTH_PATHS = new Set<string>([paths.health.live, paths.health.ready]);

/** Gives every request an id (X-Request-Id or a new one), echoes it, and logs the request with it. */
export function setUpRequestId(app: Express, logger: Logger): void {
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    requestContext.run({ requestId }, next);
  });
  app.use(
    pinoHttp({
      logger,
      genReqId: (_req, res) => String(res.getHeader('X-Request-Id')),
      quietReqLogger: true,
      // Probes hit these every few seconds; logging them would drown everything else.
      autoLogging: { ignore: (req) => HEALTH_PATHS.has(req.url) },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
}
