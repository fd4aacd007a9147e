import type { Express } from 'express';
import { csrfSync } from 'csrf-sync';

const { csrfSynchronisedProtection, generateToken, invalidCsrfTokenError } = csrfSync({
  getTokenFromRequest: (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    return typeof body?._csrf === 'string' ? body._csrf : undefined;
  },
});

/** A synchroniser token kept in the session and checked on every state-changing request. */
export function setUpCsrf(app: Express): void {
  app.use(csrfSynchronisedProtection);
  app.use((req, res, next) => {
    res.locals.csrfToken = generateToken(req);
    next();
  });
}

export function isCsrfError(error: unknown): boolean {
  return error === invalidCsrfTokenError;
}
