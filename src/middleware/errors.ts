import type { ErrorRequestHandler, Express } from 'express';
import type { AppDeps } from '../deps.js';
import { DomainError, NotFound, ServiceUnavailable } from '../errors.js';
import { closeAfterResponse } from './close-after-response.js';
import { isCsrfError } from './csrf.js';

// Codes meaning "the database is not there right now" (network, server shutting down, Prisma's P10xx).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  // SQLSTATE class 08: connection exceptions.
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  'P1001',
  'P1002',
  'P1017',
]);
const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|can't reach database/i;

interface MaybeUnavailable {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  /** Prisma's driver adapters put PostgreSQL's own error here (e.g. 57P01 under a Prisma P2039). */
  meta?: { driverAdapterError?: unknown };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const pending: unknown[] = [error];
  for (let looked = 0; pending.length > 0 && looked < 12; looked++) {
    const candidate = pending.shift();
    if (typeof candidate !== 'object' || candidate === null) continue;
    const { code, message, cause, meta } = candidate as MaybeUnavailable;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    pending.push(cause, meta?.driverAdapterError);
  }
  return false;
}

/**
 * A request body the parser refused (body-parser's errors: over the size limit, too many fields, a
 * character set or compression it does not read, malformed): the client's doing, answered with a page
 * saying so. Undefined for anything else.
 */
function refusedBody(error: unknown): { status: number; type: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, expose } = error as { status?: unknown; type?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string')
    return undefined;
  return expose === true ? { status, type } : undefined;
}

/** What the page says about a refused body. */
function refusedPage({ status, type }: { status: number; type: string }): {
  heading: string;
  reason: string;
} {
  if (type === 'parameters.too.many') {
    return {
      heading: 'The form was too large to send',
      reason: 'It had more fields than any form of this service has.',
    };
  }
  if (status === 413) {
    return {
      heading: 'The form was too large to send',
      reason: 'It was larger than any form of this service allows.',
    };
  }
  if (status === 415) {
    return {
      heading: 'The form could not be read',
      reason: 'It was sent in a character set or compression this service does not accept.',
    };
  }
  return { heading: 'The form could not be read', reason: 'It was not sent as this service expects.' };
}

const VIEW_FOR_STATUS: Record<number, string> = {
  403: 'errors/forbidden',
  404: 'errors/not-found',
  503: 'errors/service-unavailable',
};

export function setUpNotFound(app: Express): void {
  app.use(() => {
    throw new NotFound();
  });
}

/** The one place errors become pages: status from the error's type, a reference id, no stack in production. */
export function setUpErrorHandler(app: Express, deps: AppDeps): void {
  const handler: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const refused = refusedBody(error);
    if (refused) {
      deps.logger.warn(
        { status: refused.status, type: refused.type, path: req.path },
        'request body refused',
      );
      // The body may not have been read to its end.
      closeAfterResponse(req, res);
      res.status(refused.status).render('errors/request-refused', refusedPage(refused));
      return;
    }
    const domainStatus = error instanceof DomainError ? error.status : undefined;
    const status = isCsrfError(error)
      ? 403
      : error instanceof ServiceUnavailable || isDatabaseUnavailable(error)
        ? 503
        : (domainStatus ?? 500);

    if (status >= 500) deps.logger.error({ err: error, status }, 'request failed');
    else deps.logger.info({ status, path: req.path }, 'request refused');

    const view = VIEW_FOR_STATUS[status] ?? (status < 500 ? 'errors/cannot-do' : 'errors/server-error');
    const message = isCsrfError(error)
      ? 'This form has expired or was not sent from this service. Go back, reload the page and try again.'
      : error instanceof DomainError && status < 500
        ? error.message
        : undefined;
    res.status(status);
    if (status === 503) res.set('Retry-After', '5');
    // The page never shows the error itself, only the reference (the request id) to find it in the logs.
    res.render(view, { message });
  };
  app.use(handler);
}
