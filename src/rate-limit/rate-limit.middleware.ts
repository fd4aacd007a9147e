import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import type { AppDeps } from '../deps.js';
import { formBody, textField } from '../forms.js';
import { sha256 } from '../hash.js';
import { requestMatcher } from '../middleware/route-match.js';
import { paths } from '../paths.js';
import { emailAddress } from '../users/schemas.js';
import { PostgresRateLimitStore } from './postgres-store.js';
import { closeAfterResponse } from '../middleware/close-after-response.js';

const ONE_MINUTE_MS = 60_000;
const ONE_HOUR_MS = 60 * ONE_MINUTE_MS;

// Sign-in is limited per IP address (nobody is signed in yet); uploads per signed-in user. Asking for
// an email sign-in link is limited per hour as well, per IP address and per address asked for (so
// nobody's mailbox can be flooded, from however many machines).
const SIGN_IN_ROUTES = [
  requestMatcher(
    'GET',
    paths.signIn,
    paths.entraSignIn,
    paths.authCallback,
    paths.emailSignIn.link,
    paths.invitation,
  ),
  requestMatcher(
    'POST',
    paths.localSignIn,
    paths.authCallback,
    paths.emailSignIn.request,
    paths.emailSignIn.link,
    paths.invitation,
  ),
];
const EMAIL_LINK_ROUTES = [requestMatcher('POST', paths.emailSignIn.request)];
// Every file upload (evidence, register and ODS imports, return workbooks) counts against one limit
// per user: each reads a file of up to several megabytes and checks it row by row.
const UPLOAD_ROUTES = [
  requestMatcher(
    'POST',
    paths.evidence.upload,
    paths.imports.register,
    paths.imports.ods,
    paths.returns.workbookUpload,
    paths.imports.history,
  ),
];

const WAIT_A_MINUTE = 'Wait a minute and try again. Anything you have already saved has not been lost.';
const WAIT_FOR_LINKS =
  'You have asked for several sign-in links in a short time. Use the most recent email we sent, or wait an hour and ask again.';

/** The address a link request asks for, as stored (lower-case), if it is one. */
function requestedAddress(req: Request): string | undefined {
  const parsed = emailAddress.safeParse(textField(formBody(req), 'email'));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Rate limits on the sign-in routes and on file uploads, counted in PostgreSQL so that several
 * app instances share each count. Over the limit: 429, Retry-After, and a page saying to wait.
 * Applied after the current user is known (uploads are counted per user) and before the routes.
 */
export function setUpRateLimits(app: Express, deps: AppDeps): void {
  const { config, clock, logger } = deps;
  const common = (windowMs: number, waitText: string): Partial<Options> => ({
    windowMs,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Seconds until the window ends, on the app's clock (the store's windows run on it too).
    retryAfter: (req: Request) => {
      const windowSeconds = windowMs / 1000;
      const resetTime = req.rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - clock().getTime()) / 1000) : windowSeconds;
      return Math.min(windowSeconds, Math.max(1, seconds));
    },
    handler: (req, res) => {
      tooManyRequests(req, res, waitText);
    },
    logger: {
      error: (error, message) => logger.error({ err: error }, message ?? 'rate limit error'),
      warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limit warning'),
    },
  });

  const signIn = rateLimit({
    ...common(ONE_MINUTE_MS, WAIT_A_MINUTE),
    limit: config.rateLimits.signInPerMinute,
    store: new PostgresRateLimitStore(deps.prisma, clock, 'sign-in:'),
  });
  const linksPerIp = rateLimit({
    ...common(ONE_HOUR_MS, WAIT_FOR_LINKS),
    limit: config.rateLimits.emailLinksPerIpPerHour,
    store: new PostgresRateLimitStore(deps.prisma, clock, 'email-link-ip:'),
  });
  const linksPerAddress = rateLimit({
    ...common(ONE_HOUR_MS, WAIT_FOR_LINKS),
    limit: config.rateLimits.emailLinksPerAddressPerHour,
    store: new PostgresRateLimitStore(deps.prisma, clock, 'email-link-address:'),
    // A form with no address in it is shown again with the problem; it asks for nothing.
    skip: (req) => requestedAddress(req) === undefined,
    // The address's digest, not the address: the table holds no personal data.
    keyGenerator: (req) => sha256(requestedAddress(req) ?? ''),
  });
  const upload = rateLimit({
    ...common(ONE_MINUTE_MS, WAIT_A_MINUTE),
    limit: config.rateLimits.uploadsPerMinute,
    store: new PostgresRateLimitStore(deps.prisma, clock, 'upload:'),
    // Anonymous posts are sent to sign in by the route; they are not an upload.
    skip: (_req, res) => !res.locals.currentUser,
    keyGenerator: (req, res) => res.locals.currentUser?.id ?? ipKeyGenerator(req.ip ?? 'unknown'),
  });

  const limitersFor = (req: Request): RequestHandler[] => [
    ...(SIGN_IN_ROUTES.some((matches) => matches(req)) ? [signIn] : []),
    ...(EMAIL_LINK_ROUTES.some((matches) => matches(req)) ? [linksPerIp, linksPerAddress] : []),
    ...(UPLOAD_ROUTES.some((matches) => matches(req)) ? [upload] : []),
  ];
  app.use((req, res, next) => {
    runInTurn(limitersFor(req), req, res, next);
  });
}

/** Runs the limiters one after the other; one that refuses answers 429 itself and stops the chain. */
function runInTurn(limiters: RequestHandler[], req: Request, res: Response, next: NextFunction): void {
  const [first, ...rest] = limiters;
  if (!first) {
    next();
    return;
  }
  void first(req, res, (error?: unknown) => {
    if (error === undefined) runInTurn(rest, req, res, next);
    else next(error);
  });
}

function tooManyRequests(req: Request, res: Response, waitText: string): void {
  // An upload's body is left unread: close the connection (in stages, so the answer is not lost to a
  // reset) rather than read the file to throw it away.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    closeAfterResponse(req, res);
  }
  res.status(429).render('errors/too-many-requests', { waitText });
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by express-rate-limit on the routes it limits. */
    rateLimit?: { limit: number; used: number; remaining: number; resetTime: Date | undefined };
  }
}
